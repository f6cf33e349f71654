"""Race test on PostgreSQL: two clicks on "send again" reaching two workers at once put the
dead letter back once, with one audit row. The control reads the message without its row
lock and shows both clicks then resend it and audit it twice."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.notifications import selectors, services_staff
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_clicks():
    place = EnrollmentFactory.create()
    guardian = place.family.guardian
    failed = OutboxMessage.objects.create(
        user=guardian, recipient=guardian.mobile or "", kind="staff_message", body="سلام",
        status=OutboxStatus.FAILED, attempts=12, last_error="provider down",
    )  # fmt: skip
    staff = StaffFactory.create(center=place.offering.center)

    def click():
        return services_staff.outbox_resend(actor=staff, message_id=failed.pk)

    return failed, [click, click]


def test_two_simultaneous_resends_queue_it_once(two_clicks, monkeypatch):
    require_postgresql()
    # Not sent at once after commit, so that the second click finds it waiting, not sent.
    monkeypatch.setattr(services_staff, "_enqueue", lambda message_id: None)
    failed, clicks = two_clicks
    outcomes = run_concurrently(clicks)
    assert Counter(outcomes) == {"ok": 2}, outcomes
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.PENDING
    assert AuditLogEntry.objects.filter(action="outbox.resent").count() == 1


def test_control_without_the_row_lock_both_clicks_resend(two_clicks, monkeypatch):
    require_postgresql()
    monkeypatch.setattr(services_staff, "_enqueue", lambda message_id: None)

    def unlocked(*, actor, message_id):
        scope = selectors.outbox_for_staff(user=actor).filter(pk=message_id)
        found = scope.first()
        time.sleep(0.3)  # between reading "failed" and queueing it again
        return found

    monkeypatch.setattr(services_staff, "_locked", unlocked)
    _failed, clicks = two_clicks
    outcomes = run_concurrently(clicks)
    assert Counter(outcomes) == {"ok": 2}, outcomes
    assert AuditLogEntry.objects.filter(action="outbox.resent").count() == 2
