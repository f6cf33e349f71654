"""Race tests on PostgreSQL: schedule changes of one offering are serialised (DOMAIN rule 1,
P1: the published schedule stays whole and consistently numbered).

The control case replaces `lock_keys` with a no-op and shows that the lock is what makes
the first test pass. Run with DATABASE_URL pointing at PostgreSQL; on any other database
each test fails at its first line (they never skip).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest

from kargah.catalog import services
from kargah.catalog.models import Offering
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN
from kargah.notifications.models import OutboxMessage
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FIRST = dt.date(2024, 5, 4)  # Saturday
# Long enough that both requests are inside their transactions at the same time.
WINDOW_SECONDS = 0.3


@pytest.fixture
def slow_renumber(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widens the window inside the reschedule transaction: after the session is saved and
    before the offering's sessions are read and renumbered."""
    real = services._renumber

    def slow(offering: Offering) -> None:
        time.sleep(WINDOW_SECONDS)
        real(offering)

    monkeypatch.setattr(services, "_renumber", slow)


@pytest.fixture
def offering(make_offering, staff) -> Offering:
    """Published: Saturdays 16:00 on 5/4, 5/11, 5/18, 5/25, with one enrolled family."""
    published = services.offering_publish(
        actor=staff, offering=make_offering(first_date=FIRST, count=4)
    )
    EnrollmentFactory.create(offering=published)
    return published


def schedule_of(offering: Offering) -> list[tuple[dt.date, int]]:
    return [
        (s.starts_at.astimezone(TEHRAN).date(), s.number)
        for s in offering.sessions.order_by("starts_at", "id")
    ]


def two_moves(offering: Offering, staff) -> list[Callable[[], object]]:
    """Session 1 (5/4) moves to 6/1 and session 2 (5/11) to 6/8, at the same moment."""
    first, second = offering.sessions.get(number=1), offering.sessions.get(number=2)
    return [
        lambda: services.session_reschedule(
            actor=staff, session=first, starts_at=tehran(dt.date(2024, 6, 1), 16), reason="الف"
        ),
        lambda: services.session_reschedule(
            actor=staff, session=second, starts_at=tehran(dt.date(2024, 6, 8), 16), reason="ب"
        ),
    ]


def test_concurrent_reschedules_of_one_offering_are_serialised(offering, staff, slow_renumber):
    """DOMAIN rule 1: two staff moving two sessions of one offering at once both succeed;
    the numbering follows time, 1..n without duplicates, and each change is recorded and
    told once."""
    require_postgresql()

    outcomes = run_concurrently(two_moves(offering, staff))

    assert outcomes == ["ok", "ok"], outcomes
    assert schedule_of(offering) == [
        (dt.date(2024, 5, 18), 1),
        (dt.date(2024, 5, 25), 2),
        (dt.date(2024, 6, 1), 3),
        (dt.date(2024, 6, 8), 4),
    ]
    assert AuditLogEntry.objects.filter(action="session.rescheduled").count() == 2
    assert OutboxMessage.objects.filter(kind="schedule_change").count() == 2


def test_control_without_the_schedule_lock_concurrent_reschedules_collide(
    offering, staff, slow_renumber, monkeypatch
):
    """Shows that the test above can fail: without `lock_keys` both transactions save their
    own session and then renumber every session of the offering, each waiting for the row
    the other holds. PostgreSQL breaks the deadlock by failing one of them: a staff
    member's change is lost with a database error instead of being applied in turn."""
    require_postgresql()
    monkeypatch.setattr(services, "lock_keys", lambda *keys: None)

    outcomes = run_concurrently(two_moves(offering, staff))

    failed = [o for o in outcomes if o != "ok"]
    assert failed, outcomes
    assert all("deadlock" in o.lower() for o in failed), outcomes
    assert AuditLogEntry.objects.filter(action="session.rescheduled").count() < 2


def test_two_holidays_added_at_once_move_sessions_to_different_slots(offering, admin, monkeypatch):
    """P4 through rule 1: two administrators add holidays on 5/11 and 5/18 at the same
    moment; the two hit sessions must end on two different slots (6/1 and 6/8)."""
    require_postgresql()
    real = services._next_free_slot

    def slow(*args, **kwargs):
        found = real(*args, **kwargs)
        time.sleep(WINDOW_SECONDS)
        return found

    monkeypatch.setattr(services, "_next_free_slot", slow)

    outcomes = run_concurrently(
        [
            lambda: services.holiday_add(actor=admin, date=dt.date(2024, 5, 11), name="یک"),
            lambda: services.holiday_add(actor=admin, date=dt.date(2024, 5, 18), name="دو"),
        ]
    )

    assert outcomes == ["ok", "ok"], outcomes
    starts = list(offering.sessions.values_list("starts_at", flat=True))
    assert len(set(starts)) == len(starts) == 4, sorted(starts)
