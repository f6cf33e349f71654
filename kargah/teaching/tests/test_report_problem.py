""" "Report a problem" on the desk (issue 10, item 7; P3): the instructor's reason cancels the
session through the center's cancellation with the cause instructor_report, which audits it,
records the service event, proposes a make-up and tells the families; nobody else reports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.tests.support import Clock
from kargah.catalog.models import CancelCause, MakeupProposal, SessionStatus
from kargah.catalog.tests.factories import InstructorFactory
from kargah.core.models import AuditLogEntry
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent
from kargah.teaching.tests.conftest import World

pytestmark = pytest.mark.django_db
REASON = "برق منطقه تا عصر قطع است و نمی‌توانم کلاس را برگزار کنم."


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_report_cancels_the_session_for_a_makeup(world: World, clock: Clock) -> None:
    url = reverse("teaching:report", args=[world.session.pk])
    client = client_of(world.instructor)
    assert 'data-testid="report-submit"' in client.get(url).content.decode()
    answer = client.post(url, {"reason": REASON})
    assert answer.status_code == 302 and answer["Location"] == reverse("teaching:desk")
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CANCELLED
    assert world.session.cancel_cause == CancelCause.INSTRUCTOR_REPORT
    assert world.session.cancel_reason == REASON
    entry = AuditLogEntry.objects.get(action="session.cancelled")
    assert entry.actor == world.instructor and entry.reason == REASON
    assert ServiceEvent.objects.filter(session=world.session, cause="instructor_report").exists()
    assert MakeupProposal.objects.filter(session=world.session).exists()
    told = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert {world.guardian.mobile, world.other_guardian.mobile} <= told
    # The desk shows it cancelled, with no start button; the sheet offers no report again.
    desk = client.get(reverse("teaching:desk")).content.decode()
    assert 'data-testid="start-class"' not in desk
    sheet = client.get(reverse("teaching:sheet", args=[world.session.pk])).content.decode()
    assert 'data-testid="report-problem"' not in sheet


def test_a_report_needs_a_reason(world: World) -> None:
    answer = client_of(world.instructor).post(
        reverse("teaching:report", args=[world.session.pk]), {"reason": "  "}
    )
    assert answer.status_code == 200  # the form again, with its Persian message
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.SCHEDULED


def test_only_the_class_instructor_reports(world: World) -> None:
    url = reverse("teaching:report", args=[world.session.pk])
    for user in (InstructorFactory.create(center=world.offering.center), world.guardian):
        assert client_of(user).post(url, {"reason": REASON}).status_code == 404
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.SCHEDULED
    assert not AuditLogEntry.objects.filter(action="session.cancelled").exists()
