"""Attendance (issue 10, item 6; R7): the proposal from the classroom's minutes at its
boundaries, the fill job's idempotence, and the instructor's window to confirm or correct."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from kargah.accounts.tests.factories import LearnerFactory, StaffFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import SessionStatus
from kargah.catalog.tests.factories import InstructorFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.teaching import services
from kargah.teaching.integration import SeenInRoom
from kargah.teaching.models import Attendance, AttendanceSource, AttendanceStatus
from kargah.teaching.tests.conftest import TODAY, World, tehran

pytestmark = pytest.mark.django_db


def seen(world: World, minutes: int, joined_minute: int = 0, *, child: bool = True) -> SeenInRoom:
    learner = world.child if child else world.other_child
    return SeenInRoom(
        learner_id=learner.pk,
        minutes=minutes,
        first_joined_at=world.session.starts_at + dt.timedelta(minutes=joined_minute),
    )


# The session lasts 60 minutes; defaults: present from 50 % (30 min), late after 10 min.
@pytest.mark.parametrize(
    ("minutes", "joined", "expected"),
    [
        (0, 0, AttendanceStatus.ABSENT),  # in the room only outside the session's time
        (30, 0, AttendanceStatus.PRESENT),  # exactly half: present
        (29, 0, AttendanceStatus.LATE),  # on time, but less than half
        (60, -5, AttendanceStatus.PRESENT),  # came early
        (50, 10, AttendanceStatus.PRESENT),  # exactly ten minutes late still counts as on time
        (49, 11, AttendanceStatus.LATE),  # later than that
    ],
)
def test_proposal_boundaries(world: World, minutes: int, joined: int, expected: str) -> None:
    proposal = services.attendance_propose(session=world.session, seen=seen(world, minutes, joined))
    assert proposal == expected


def test_never_seen_is_absent(world: World) -> None:
    assert services.attendance_propose(session=world.session, seen=None) == AttendanceStatus.ABSENT


@override_settings(KARGAH_ATTENDANCE_PRESENT_PERCENT=80, KARGAH_ATTENDANCE_LATE_MINUTES=5)
def test_proposal_follows_the_settings(world: World) -> None:
    assert services.attendance_propose(session=world.session, seen=seen(world, 47)) == "late"
    assert services.attendance_propose(session=world.session, seen=seen(world, 48)) == "present"
    assert services.attendance_propose(session=world.session, seen=seen(world, 55, 6)) == "late"


def test_fill_writes_one_row_per_learner_and_is_idempotent(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 1)
    presence = [seen(world, 45)]
    assert services.attendance_fill_from_classroom(session=world.session, seen=presence) == 2
    rows = {a.learner_id: a for a in Attendance.objects.filter(session=world.session)}
    assert rows[world.child.pk].status == AttendanceStatus.PRESENT
    assert rows[world.child.pk].minutes_attended == 45
    assert rows[world.other_child.pk].status == AttendanceStatus.ABSENT  # R7: recorded anyway
    assert {a.source for a in rows.values()} == {AttendanceSource.CLASSROOM}
    audits = AuditLogEntry.objects.filter(action="attendance.proposed").count()

    assert services.attendance_fill_from_classroom(session=world.session, seen=presence) == 0
    assert Attendance.objects.filter(session=world.session).count() == 2
    assert AuditLogEntry.objects.filter(action="attendance.proposed").count() == audits


def test_fill_refreshes_a_proposal_but_never_a_confirmed_row(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 1)
    services.attendance_fill_from_classroom(session=world.session, seen=[])
    services.attendance_mark(
        actor=world.instructor, session=world.session, learner=world.child,
        status=AttendanceStatus.EXCUSED,
    )  # fmt: skip
    # Late presence data arrive (a poll after the end): both were absent by the first fill.
    late_data = [seen(world, 40), seen(world, 40, child=False)]
    assert services.attendance_fill_from_classroom(session=world.session, seen=late_data) == 1
    child = Attendance.objects.get(session=world.session, learner=world.child)
    other = Attendance.objects.get(session=world.session, learner=world.other_child)
    assert (child.status, child.source) == (AttendanceStatus.EXCUSED, AttendanceSource.INSTRUCTOR)
    assert (other.status, other.minutes_attended) == (AttendanceStatus.PRESENT, 40)


def test_fill_leaves_out_dropped_places_and_cancelled_sessions(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 1)
    world.child.enrollments.update(status=EnrollmentStatus.DROPPED)
    services.attendance_fill_from_classroom(session=world.session, seen=[])
    assert list(Attendance.objects.values_list("learner_id", flat=True)) == [world.other_child.pk]
    world.session.status = SessionStatus.CANCELLED
    world.session.save()
    Attendance.objects.all().delete()
    assert services.attendance_fill_from_classroom(session=world.session, seen=[]) == 0


def test_the_job_fills_held_sessions_ended_in_the_last_day(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 5)
    assert services.attendance_fill_due() == 0  # ended, but not (yet) held: nobody taught
    world.session.status = SessionStatus.HELD  # the lifecycle job: taught, and over
    world.session.save()
    assert services.attendance_fill_due() == 2
    assert services.attendance_fill_due() == 0  # the next run changes nothing
    assert Attendance.objects.count() == 2
    clock.current = tehran(TODAY + dt.timedelta(days=1), 17, 1)  # a day on: left alone
    Attendance.objects.all().delete()
    assert services.attendance_fill_due() == 0


def test_instructor_confirms_within_the_window_with_an_audit_row(
    world: World, clock: Clock
) -> None:
    clock.current = tehran(TODAY, 17, 1)
    services.attendance_fill_from_classroom(session=world.session, seen=[seen(world, 50)])
    clock.current = world.session.ends_at + dt.timedelta(days=3)  # the last moment
    row = services.attendance_mark(
        actor=world.instructor, session=world.session, learner=world.child,
        status=AttendanceStatus.PRESENT,
    )  # fmt: skip
    assert row.confirmed_by == world.instructor and row.confirmed_at == clock.current
    assert row.source == AttendanceSource.CLASSROOM  # confirmed as proposed
    entry = AuditLogEntry.objects.get(action="attendance.confirmed")
    assert entry.actor == world.instructor and entry.object_id == str(row.pk)

    row = services.attendance_mark(
        actor=world.instructor, session=world.session, learner=world.child,
        status=AttendanceStatus.LATE,
    )  # fmt: skip
    assert (row.status, row.source) == (AttendanceStatus.LATE, AttendanceSource.INSTRUCTOR)
    entry = AuditLogEntry.objects.get(action="attendance.corrected")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("present", "late")


def test_after_the_window_only_center_staff_correct(world: World, clock: Clock) -> None:
    clock.current = world.session.ends_at + dt.timedelta(days=3, seconds=1)
    with pytest.raises(DomainError) as refused:
        services.attendance_mark(
            actor=world.instructor, session=world.session, learner=world.child,
            status=AttendanceStatus.ABSENT,
        )  # fmt: skip
    assert refused.value.code == "window_closed"
    assert not Attendance.objects.exists()

    staff = StaffFactory.create(center=world.offering.center)
    row = services.attendance_mark(
        actor=staff, session=world.session, learner=world.child, status=AttendanceStatus.EXCUSED
    )
    assert row.confirmed_by == staff
    assert AuditLogEntry.objects.filter(action="attendance.corrected", actor=staff).exists()


def test_nobody_else_marks_and_not_before_the_start(world: World, clock: Clock) -> None:
    with pytest.raises(DomainError) as early:
        services.attendance_mark(
            actor=world.instructor, session=world.session, learner=world.child, status="present"
        )
    assert early.value.code == "too_early"
    clock.current = tehran(TODAY, 16, 5)
    other_instructor = InstructorFactory.create(center=world.offering.center)
    other_center_staff = StaffFactory.create()
    for actor in (other_instructor, other_center_staff, world.guardian):
        with pytest.raises(NotAllowed):
            services.attendance_mark(
                actor=actor, session=world.session, learner=world.child, status="present"
            )
    with pytest.raises(DomainError) as not_enrolled:
        services.attendance_mark(
            actor=world.instructor, session=world.session, learner=LearnerFactory.create(),
            status="present",
        )  # fmt: skip
    assert not_enrolled.value.code == "not_enrolled"
    with pytest.raises(DomainError) as bad_status:
        services.attendance_mark(
            actor=world.instructor, session=world.session, learner=world.child, status="asleep"
        )
    assert bad_status.value.code == "status"
    assert not Attendance.objects.exists()
