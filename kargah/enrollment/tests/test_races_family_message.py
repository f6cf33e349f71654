"""Race test on PostgreSQL: the same message form sent twice at the same moment (a double
click that reached two workers) tells each family once and is audited once. The control
replaces the send key's lock with nothing and shows both runs then pass the "sent before?"
check and audit the send twice; notify()'s event keys still keep the messages to one."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.core.models import AuditLogEntry
from kargah.enrollment import services_messages
from kargah.enrollment.selectors_messages import message_scope_for_staff
from kargah.notifications.models import InboxItem, OutboxMessage
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEY = "7d1e0c9b8a7f6e5d4c3b2a1908f7e6d5"
FAMILIES = 3


@pytest.fixture
def two_submits(clock):
    offering = OfferingFactory.create(published=True)
    for _ in range(FAMILIES):
        EnrollmentFactory.create(offering=offering)
    staff = StaffFactory.create(center=offering.center)

    def submit():
        scope = message_scope_for_staff(user=staff, kind="offering", target_id=offering.pk)
        return services_messages.family_message_send(
            actor=staff, scope=scope, text="سلام {child}", send_key=KEY
        )

    return [submit, submit]


def test_two_simultaneous_submits_send_and_audit_once(two_submits):
    require_postgresql()
    outcomes = run_concurrently(two_submits)
    assert Counter(outcomes) == {"ok": 2}, outcomes
    assert OutboxMessage.objects.filter(kind="staff_message").count() == FAMILIES
    assert InboxItem.objects.filter(kind="staff_message").count() == FAMILIES
    assert AuditLogEntry.objects.filter(action="families.messaged").count() == 1


def test_control_without_the_lock_the_send_is_audited_twice(two_submits, monkeypatch):
    require_postgresql()
    monkeypatch.setattr(services_messages, "lock_keys", lambda *keys: None)
    checked = services_messages._sent_before

    def slow_check(send_key: str):
        found = checked(send_key)
        time.sleep(0.3)  # between "not sent before" and sending
        return found

    monkeypatch.setattr(services_messages, "_sent_before", slow_check)
    outcomes = run_concurrently(two_submits)
    assert Counter(outcomes) == {"ok": 2}, outcomes
    assert AuditLogEntry.objects.filter(action="families.messaged").count() == 2
    # The messages themselves stay one per family and channel: notify()'s event keys.
    assert OutboxMessage.objects.filter(kind="staff_message").count() == FAMILIES
