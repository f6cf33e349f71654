"""Race tests on PostgreSQL: two runs of the lifecycle job at once (beat overlapping a
manual `manage.py lifecycle_advance`, or a slow run meeting the next) change each session,
offering and place once, with one audit row, one event and one SMS per family each.

The control case replaces the row locks with plain reads and shows the double transitions
the locks prevent. Run with DATABASE_URL pointing at PostgreSQL; on any other database each
test fails at its first line (they never skip)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest

from kargah.catalog import services
from kargah.catalog import services_lifecycle as lifecycle
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.catalog.tests.conftest import LiveClass
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Long enough that both runs are inside their transactions at the same time.
WINDOW_SECONDS = 0.3
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def slow_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widens the window after each row is read under its lock."""
    real_session, real_offering = lifecycle._locked_session, lifecycle._locked_offering

    def session(pk: int) -> Session:
        row = real_session(pk)
        time.sleep(WINDOW_SECONDS)
        return row

    def offering(pk: int) -> Offering:
        row = real_offering(pk)
        time.sleep(WINDOW_SECONDS)
        return row

    monkeypatch.setattr(lifecycle, "_locked_session", session)
    monkeypatch.setattr(lifecycle, "_locked_offering", offering)


@pytest.fixture
def no_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: the same reads and window without the row locks."""

    def session(pk: int) -> Session:
        row = Session.objects.select_related("offering__course", "offering__center").get(pk=pk)
        time.sleep(WINDOW_SECONDS)
        return row

    def offering(pk: int) -> Offering:
        row = Offering.objects.select_related("course", "center").get(pk=pk)
        time.sleep(WINDOW_SECONDS)
        return row

    monkeypatch.setattr(lifecycle, "_locked_session", session)
    monkeypatch.setattr(lifecycle, "_locked_offering", offering)


def audit_actions() -> Counter[str]:
    return Counter(AuditLogEntry.objects.values_list("action", flat=True))


def two_runs(now: dt.datetime) -> list[str]:
    return run_concurrently(
        [lambda: lifecycle.lifecycle_advance(now=now), lambda: lifecycle.lifecycle_advance(now=now)]
    )


def test_two_runs_at_once_change_everything_once(
    live_class: LiveClass, make_offering, staff, slow_locks
):
    """One class ends (its last session taught: held, finished, three places completed);
    another's session nobody taught is cancelled with its make-up proposed and its families
    told; both runs at the same moment do each of these once."""
    require_postgresql()
    *earlier, last = live_class.sessions
    for session in earlier:
        Session.objects.filter(pk=session.pk).update(
            status=SessionStatus.HELD, taught_at=session.starts_at
        )
    Offering.objects.filter(pk=live_class.offering.pk).update(status=OfferingStatus.RUNNING)
    lifecycle.session_mark_taught(session=last, at=last.starts_at + MINUTE)
    # A second class of the same center, its first session on the same day, untaught.
    other = services.offering_publish(
        actor=staff, offering=make_offering(first_date=dt.date(2024, 5, 18), count=2,
                                            pattern=[{"weekday": 0, "start": "10:00"}])
    )  # fmt: skip
    EnrollmentFactory.create(offering=other)
    Offering.objects.filter(pk=other.pk).update(status=OfferingStatus.REGISTRATION_CLOSED)
    absent = other.sessions.order_by("starts_at")[0]
    before = audit_actions()

    outcomes = two_runs(now=last.ends_at + MINUTE)

    assert outcomes == ["ok", "ok"]
    added = audit_actions() - before
    assert added == Counter(
        {
            "session.held": 1,
            "offering.finished": 1,
            "enrollment.completed": 3,
            "session.cancelled": 1,
            "session.makeup_proposed": 1,
        }
    )
    live_class.offering.refresh_from_db()
    assert live_class.offering.status == OfferingStatus.FINISHED
    assert all(
        e.status == EnrollmentStatus.COMPLETED
        for e in type(live_class.enrollments[0]).objects.filter(offering=live_class.offering)
    )
    absent.refresh_from_db()
    assert absent.status == SessionStatus.CANCELLED
    assert ServiceEvent.objects.filter(session=absent).count() == 1
    assert OutboxMessage.objects.filter(kind__startswith="session_cancelled").count() == 1


def first_session_taught_then_two_runs(live_class: LiveClass) -> Counter[str]:
    """The first session taught and over; two runs at once; the audit rows they added."""
    require_postgresql()
    first = live_class.sessions[0]
    lifecycle.session_mark_taught(session=first, at=first.starts_at + MINUTE)
    before = audit_actions()
    assert two_runs(now=first.ends_at + MINUTE) == ["ok", "ok"]
    return audit_actions() - before


def test_control_without_the_locks_two_runs_change_things_twice(live_class: LiveClass, no_locks):
    """The control: without the row locks both runs see the session scheduled and the
    class registration-closed, and both move them, each with its own audit row."""
    added = first_session_taught_then_two_runs(live_class)
    assert added["session.held"] == 2
    assert added["offering.running"] == 2


def test_with_the_locks_the_same_two_runs_change_things_once(live_class: LiveClass, slow_locks):
    """The same scenario as the control, with the locks."""
    added = first_session_taught_then_two_runs(live_class)
    assert added == Counter({"session.held": 1, "offering.running": 1})


def test_teaching_seen_and_the_no_show_at_once(live_class: LiveClass, slow_locks):
    """The instructor's first moment in the room meets the no-show check: either the
    session is taught (and stays scheduled) or it is cancelled, never both."""
    require_postgresql()
    first = live_class.sessions[0]
    at = first.starts_at + 16 * MINUTE
    outcomes = run_concurrently(
        [
            lambda: lifecycle.lifecycle_advance(now=at),
            lambda: lifecycle.session_mark_taught(session=first, at=at),
        ]
    )
    assert outcomes == ["ok", "ok"]
    first.refresh_from_db()
    cancelled = first.status == SessionStatus.CANCELLED
    assert cancelled == (first.taught_at is None)
    assert ServiceEvent.objects.filter(session=first).count() == int(cancelled)
