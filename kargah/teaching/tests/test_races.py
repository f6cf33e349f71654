"""Race test on PostgreSQL: two people confirm the same learner's attendance at the same
moment (two instructors of a class, or the instructor and the fill job) before any row
exists. The sheet's lock makes the second wait and update the first's row; the control
case removes the lock and shows the race is real: both insert, and one fails with a
database error (a 500 to the instructor)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kargah.accounts.tests.support import Clock
from kargah.catalog.tests.factories import InstructorFactory
from kargah.core.models import AuditLogEntry
from kargah.teaching import services
from kargah.teaching.models import Attendance
from kargah.teaching.tests.conftest import TODAY, World, tehran
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
# Long enough that both are inside their transactions, having read no row, at once.
WINDOW_SECONDS = 0.3


@pytest.fixture
def slow_read(monkeypatch: pytest.MonkeyPatch) -> None:
    real = services._row_of

    def slow(*args: Any) -> Attendance | None:
        found = real(*args)
        time.sleep(WINDOW_SECONDS)
        return found

    monkeypatch.setattr(services, "_row_of", slow)


def two_marks(world: World) -> list:
    second = InstructorFactory.create(center=world.offering.center)
    world.offering.instructors.add(second)
    return [
        lambda: services.attendance_mark(
            actor=world.instructor, session=world.session, learner=world.child, status="late"
        ),
        lambda: services.attendance_mark(
            actor=second, session=world.session, learner=world.child, status="excused"
        ),
    ]


def test_two_marks_at_once_make_one_row_and_two_audit_rows(
    world: World, clock: Clock, slow_read: None
) -> None:
    require_postgresql()
    clock.current = tehran(TODAY, 16, 30)

    outcomes = run_concurrently(two_marks(world))

    assert outcomes == ["ok", "ok"], outcomes
    row = Attendance.objects.get(session=world.session, learner=world.child)
    assert row.status in ("late", "excused") and row.confirmed_by is not None
    assert AuditLogEntry.objects.filter(action="attendance.corrected").count() == 2


def test_control_without_the_sheet_lock_a_mark_fails(
    world: World, clock: Clock, slow_read: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgresql()
    clock.current = tehran(TODAY, 16, 30)
    monkeypatch.setattr(services, "lock_keys", lambda *keys: None)

    outcomes = run_concurrently(two_marks(world))

    failed = [o for o in outcomes if o != "ok"]
    assert len(failed) == 1 and "IntegrityError" in failed[0], outcomes
    assert Attendance.objects.filter(session=world.session).count() == 1
