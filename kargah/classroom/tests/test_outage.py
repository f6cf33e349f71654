"""A classroom outage (issue 10, item 8; P3): a session the classroom kept from being taught
for KARGAH_CLASSROOM_OUTAGE_MINUTES is cancelled by the center with the outage as its cause
and a make-up proposed; a short blip is no outage; the outage wins over the instructor's
absence; the job run again changes nothing."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from kargah.accounts.tests.support import Clock
from kargah.catalog import services_lifecycle as lifecycle
from kargah.catalog.models import (
    CancelCause,
    MakeupProposal,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.classroom import selectors, services
from kargah.classroom.bbb import breaker
from kargah.classroom.bbb import http as bbb_http
from kargah.classroom.fakebbb.transport import FakeBBBTransport
from kargah.classroom.models import JoinLog, PresenceInterval, Room
from kargah.classroom.tests.conftest import join
from kargah.core.models import AuditLogEntry
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent, ServiceEventKind

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def closed_class(offering: Offering, session: Session, child) -> Session:
    """The session of a class whose registration closed (the lifecycle job's concern)."""
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.REGISTRATION_CLOSED)
    session.refresh_from_db()
    return session


class Classroom:
    """Switches the classroom server down (refused connections) and up again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeBBBTransport) -> None:
        self.monkeypatch, self.fake = monkeypatch, fake

    def down(self) -> None:
        def refused(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        self.monkeypatch.setattr(bbb_http, "_default_transport", httpx.MockTransport(refused))

    def up(self) -> None:
        self.monkeypatch.setattr(bbb_http, "_default_transport", self.fake)
        breaker.reset()  # as its open time passing would


@pytest.fixture
def classroom(monkeypatch: pytest.MonkeyPatch, fake_bbb: FakeBBBTransport) -> Classroom:
    return Classroom(monkeypatch, fake_bbb)


def minute_by_minute(clock: Clock, until: dt.datetime) -> list[lifecycle.LifecycleReport]:
    """Beat's work each minute up to `until`: the presence poll (with its probe), then the
    lifecycle job."""
    reports = []
    while clock() <= until:
        services.presence_poll(now=clock())
        reports.append(lifecycle.lifecycle_advance(now=clock()))
        clock.advance(minutes=1)
    return reports


def cancelled(reports: list[lifecycle.LifecycleReport]) -> list[tuple[str, int]]:
    return [("outage", pk) for r in reports for pk in r.outage_cancelled] + [
        ("absent", pk) for r in reports for pk in r.absent_cancelled
    ]


def counts() -> dict[str, int]:
    return {
        "audit": AuditLogEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "events": ServiceEvent.objects.count(),
        "proposals": MakeupProposal.objects.count(),
    }


def test_an_outage_from_the_start_cancels_with_its_cause_and_a_make_up(
    closed_class, child, guardian, clock, classroom, settings
):
    session = closed_class
    classroom.down()
    clock.current = session.starts_at - 5 * MINUTE
    # The family tries: a Persian 503, and the failure is kept on the session's room.
    assert join(guardian, session, child).status_code == 503
    room = Room.objects.get(session=session)
    assert room.failing_since == clock() and room.opened_at is None

    reports = minute_by_minute(clock, session.starts_at + 14 * MINUTE)
    assert cancelled(reports) == []  # 14 minutes of the session's own time: not yet
    report = lifecycle.lifecycle_advance(now=clock())  # the poll of +15 is not in yet
    assert report.outage_cancelled == []
    services.presence_poll(now=clock())
    report = lifecycle.lifecycle_advance(now=clock())
    assert report.outage_cancelled == [session.pk] and report.absent_cancelled == []

    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_cause == CancelCause.CLASSROOM_OUTAGE
    event = ServiceEvent.objects.get(kind=ServiceEventKind.SESSION_CANCELLED)
    assert (event.session, event.cause) == (session, CancelCause.CLASSROOM_OUTAGE)
    assert MakeupProposal.objects.filter(session=session).exists()
    assert list(
        OutboxMessage.objects.filter(kind__startswith="session_cancelled").values_list(
            "recipient", flat=True
        )
    ) == [str(guardian.mobile)]
    assert JoinLog.objects.filter(outcome="unavailable").count() == 1

    # Run again (and the poll again, the server still down): nothing more.
    before = counts()
    again = minute_by_minute(clock, clock() + 20 * MINUTE)
    assert cancelled(again) == [] and counts() == before


def test_a_short_blip_is_no_outage_and_the_absence_waits_for_a_working_classroom(
    closed_class, clock, classroom
):
    session = closed_class
    clock.current = session.starts_at - 2 * MINUTE
    classroom.down()
    assert cancelled(minute_by_minute(clock, session.starts_at + 5 * MINUTE)) == []
    classroom.up()
    # Without the blip the instructor's absence would be cancelled at +15; the instructor
    # is given 15 minutes of a working classroom after the last failure (+5) instead.
    assert cancelled(minute_by_minute(clock, session.starts_at + 19 * MINUTE)) == []
    assert Room.objects.get(session=session).failing_since is None  # the probes' success
    reports = minute_by_minute(clock, session.starts_at + 21 * MINUTE)
    assert cancelled(reports) == [("absent", session.pk)]
    session.refresh_from_db()
    assert session.cancel_cause == CancelCause.INSTRUCTOR_ABSENT


def test_an_outage_that_began_after_the_start_wins_over_the_absence(closed_class, clock, classroom):
    session = closed_class
    clock.current = session.starts_at
    assert cancelled(minute_by_minute(clock, session.starts_at + 4 * MINUTE)) == []
    classroom.down()  # from +5: the instructor, late, cannot come in
    reports = minute_by_minute(clock, session.starts_at + 19 * MINUTE)
    assert cancelled(reports) == []  # no absence cancelled at +15 while it failed
    reports = minute_by_minute(clock, session.starts_at + 20 * MINUTE)
    assert cancelled(reports) == [("outage", session.pk)]
    session.refresh_from_db()
    assert session.cancel_cause == CancelCause.CLASSROOM_OUTAGE


def test_a_taught_session_or_one_with_someone_inside_is_not_cancelled_for_an_outage(
    closed_class, offering, child, clock, classroom
):
    session = closed_class
    other = Session.objects.create(
        offering=offering, number=2, starts_at=session.starts_at, ends_at=session.ends_at
    )
    # The instructor taught the first; a learner is inside the second (the room is open).
    lifecycle.session_mark_taught(session=session, at=session.starts_at)
    services.room_ensure(session=other)
    PresenceInterval.objects.create(
        session=other, person_key=f"learner-{child.pk}", learner=child, role="viewer",
        joined_at=session.starts_at,
    )  # fmt: skip
    clock.current = session.starts_at + MINUTE
    classroom.down()
    reports = minute_by_minute(clock, session.starts_at + 30 * MINUTE)
    assert not [pk for r in reports for pk in r.outage_cancelled]
    assert Room.objects.get(session=other).failing_since is not None  # the poll failed
    assert selectors.sessions_in_outage(now=clock()) == []
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_the_outage_minutes_are_a_setting(closed_class, clock, classroom, settings):
    settings.KARGAH_CLASSROOM_OUTAGE_MINUTES = 5
    session = closed_class
    clock.current = session.starts_at
    classroom.down()
    reports = minute_by_minute(clock, session.starts_at + 5 * MINUTE)
    assert cancelled(reports) == [("outage", session.pk)]
