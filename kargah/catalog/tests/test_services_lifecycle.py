"""The lifecycle job (issue 10, item 3): a session taught and over is held, one nobody taught
is cancelled as the instructor's absence (item 8), an offering runs and finishes, its places
complete; every change audited, and a second run changes nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from kargah.catalog import services
from kargah.catalog import services_lifecycle as lifecycle
from kargah.catalog.models import CancelCause, MakeupProposal, OfferingStatus, SessionStatus
from kargah.catalog.tests.conftest import LiveClass
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent, ServiceEventKind

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def actions() -> list[str]:
    return sorted(AuditLogEntry.objects.values_list("action", flat=True))


def state_counts() -> dict[str, int]:
    return {
        "audit": AuditLogEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "events": ServiceEvent.objects.count(),
    }


def test_mark_taught_first_time_wins(live_class: LiveClass):
    session = live_class.sessions[0]
    first = session.starts_at + 2 * MINUTE
    assert lifecycle.session_mark_taught(session=session, at=first) is True
    assert lifecycle.session_mark_taught(session=session, at=first + 5 * MINUTE) is False
    session.refresh_from_db()
    assert session.taught_at == first
    assert AuditLogEntry.objects.filter(action="session.taught").count() == 1


def test_mark_taught_leaves_a_cancelled_session_cancelled(live_class: LiveClass, staff):
    session = live_class.sessions[1]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="قطع برق",
        now=session.starts_at - dt.timedelta(days=1),
    )  # fmt: skip
    assert lifecycle.session_mark_taught(session=session, at=session.starts_at) is False
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.taught_at is None


def test_taught_session_is_held_when_over_and_the_class_runs(live_class: LiveClass):
    session = live_class.sessions[0]
    lifecycle.session_mark_taught(session=session, at=session.starts_at + MINUTE)

    during = lifecycle.lifecycle_advance(now=session.ends_at - MINUTE)
    assert during.held == [] and during.running == []
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED  # being taught is not yet held

    report = lifecycle.lifecycle_advance(now=session.ends_at)
    assert report.held == [session.pk]
    assert report.running == [live_class.offering.pk]
    session.refresh_from_db()
    live_class.offering.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert live_class.offering.status == OfferingStatus.RUNNING
    assert actions().count("session.held") == 1
    assert actions().count("offering.running") == 1

    before = state_counts()
    again = lifecycle.lifecycle_advance(now=session.ends_at + MINUTE)
    assert (again.held, again.running, again.finished) == ([], [], [])
    assert state_counts() == before


def test_instructor_who_never_came_in_cancels_the_session(live_class: LiveClass):
    session = live_class.sessions[0]
    on_the_minute = lifecycle.lifecycle_advance(now=session.starts_at + 15 * MINUTE)
    assert on_the_minute.absent_cancelled == []

    report = lifecycle.lifecycle_advance(
        now=session.starts_at + 15 * MINUTE + dt.timedelta(seconds=1)
    )
    assert report.absent_cancelled == [session.pk]
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_cause == CancelCause.INSTRUCTOR_ABSENT
    event = ServiceEvent.objects.get(kind=ServiceEventKind.SESSION_CANCELLED)
    assert (event.session, event.cause) == (session, CancelCause.INSTRUCTOR_ABSENT)
    assert MakeupProposal.objects.filter(session=session).exists()
    # Each family once (family A has two children in the class).
    told = sorted(
        OutboxMessage.objects.filter(kind__startswith="session_cancelled").values_list(
            "recipient", flat=True
        )
    )
    assert told == sorted(live_class.mobiles)

    before = state_counts()
    lifecycle.lifecycle_advance(now=session.starts_at + 30 * MINUTE)
    assert state_counts() == before


def test_a_session_taught_late_but_within_the_minutes_is_not_cancelled(live_class: LiveClass):
    session = live_class.sessions[0]
    lifecycle.session_mark_taught(session=session, at=session.starts_at + 14 * MINUTE)
    report = lifecycle.lifecycle_advance(now=session.starts_at + 20 * MINUTE)
    assert report.absent_cancelled == []


def test_the_no_show_minutes_are_a_setting(live_class: LiveClass, settings):
    settings.KARGAH_INSTRUCTOR_NO_SHOW_MINUTES = 5
    session = live_class.sessions[0]
    report = lifecycle.lifecycle_advance(now=session.starts_at + 6 * MINUTE)
    assert report.absent_cancelled == [session.pk]


def teach_and_hold(session, now=None):
    lifecycle.session_mark_taught(session=session, at=session.starts_at + MINUTE)
    lifecycle.lifecycle_advance(now=now or session.ends_at)


def test_the_class_finishes_after_its_last_session_and_places_complete(live_class: LiveClass):
    *earlier, last = live_class.sessions
    for session in earlier:
        teach_and_hold(session)
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.RUNNING

    lifecycle.session_mark_taught(session=last, at=last.starts_at + MINUTE)
    report = lifecycle.lifecycle_advance(now=last.ends_at)
    assert report.finished == [live_class.offering.pk]
    assert report.completed_enrollments == 3
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.FINISHED
    for enrollment in live_class.enrollments:
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.COMPLETED
        assert enrollment.ended_at == last.ends_at
    assert actions().count("offering.finished") == 1
    assert actions().count("enrollment.completed") == 3

    before = state_counts()
    again = lifecycle.lifecycle_advance(now=last.ends_at + dt.timedelta(days=1))
    assert again.finished == [] and again.completed_enrollments == 0
    assert state_counts() == before


def test_a_dropped_place_does_not_complete(live_class: LiveClass):
    dropped = live_class.enrollments[2]
    type(dropped).objects.filter(pk=dropped.pk).update(status=EnrollmentStatus.DROPPED)
    for session in live_class.sessions:
        teach_and_hold(session)
    dropped.refresh_from_db()
    assert dropped.status == EnrollmentStatus.DROPPED


def test_the_class_waits_for_its_make_up(live_class: LiveClass, staff):
    """'Last session over' with a make-up owed means the make-up held (P3): a class with a
    cancelled session not yet made up stays running."""
    first, second, last = live_class.sessions
    teach_and_hold(first)
    teach_and_hold(second)
    lifecycle.session_cancel(
        actor=staff, session=last, cause=CancelCause.INSTRUCTOR_REPORT, reason="بیماری مربی",
        now=last.starts_at - dt.timedelta(hours=3),
    )  # fmt: skip
    lifecycle.lifecycle_advance(now=last.ends_at + dt.timedelta(hours=1))
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.RUNNING  # no make-up confirmed yet

    makeup = lifecycle.makeup_confirm(
        actor=staff, session=last, now=last.starts_at - dt.timedelta(hours=2)
    )
    lifecycle.lifecycle_advance(now=makeup.starts_at - MINUTE)
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.RUNNING  # confirmed, not yet held

    teach_and_hold(makeup)
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.FINISHED
    kinds = sorted(ServiceEvent.objects.values_list("kind", flat=True))
    assert kinds == sorted(
        [
            ServiceEventKind.SESSION_CANCELLED,
            ServiceEventKind.MAKEUP_SCHEDULED,
            ServiceEventKind.MAKEUP_HELD,
        ]
    )


def test_sessions_of_a_class_still_in_registration_are_left_alone(make_offering, staff):
    offering = services.offering_publish(
        actor=staff, offering=make_offering(first_date=dt.date(2024, 5, 4), count=2)
    )
    first = offering.sessions.order_by("starts_at")[0]
    report = lifecycle.lifecycle_advance(now=first.ends_at + dt.timedelta(hours=1))
    assert report.absent_cancelled == [] and report.held == []


def test_the_command_runs_the_job(live_class: LiveClass, capsys, monkeypatch):
    session = live_class.sessions[0]
    lifecycle.session_mark_taught(session=session, at=session.starts_at + MINUTE)
    real = lifecycle.lifecycle_advance
    monkeypatch.setattr(
        lifecycle, "lifecycle_advance", lambda now=None: real(now=session.ends_at + MINUTE)
    )
    call_command("lifecycle_advance")
    assert "1 held" in capsys.readouterr().out
