"""Fixtures of the certificate tests: a finished class of four held sessions (and one the
center cancelled) with two completed places, Arman who came to three (75 %: a certificate
at the default threshold) and Bahar who came to two (50 %: none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from kargah.accounts.models import Learner, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.catalog.tests.factories import InstructorFactory, OfferingFactory, SessionFactory
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.teaching.models import Attendance

TEHRAN = ZoneInfo("Asia/Tehran")
FIRST = dt.date(2024, 11, 2)  # a Saturday (1403/08/12)
ENDED = dt.datetime(2024, 11, 30, 12, tzinfo=TEHRAN)
COURSE = "کارگاه نقاشی با آبرنگ"
CHILD = ("آرمان", "رضایی")
OTHER = ("بهار", "کاظمی")


@dataclass
class World:
    offering: Offering
    sessions: list[Session]  # the four held, in order
    cancelled: Session
    guardian: User
    child: Learner
    place: Enrollment
    other_guardian: User
    other_child: Learner
    other_place: Enrollment
    staff: User  # the class's center
    instructor: User


def place(
    learner: Learner, offering: Offering, status: str = EnrollmentStatus.COMPLETED
) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner, family=learner.family, offering=offering, status=status,
        conditions=offering.course.conditions.get(), conditions_accepted_at=ENDED - dt.timedelta(days=40),
        ended_at=ENDED if status == EnrollmentStatus.COMPLETED else None,
    )  # fmt: skip


def mark(session: Session, learner: Learner, status: str) -> Attendance:
    return Attendance.objects.create(session=session, learner=learner, status=status)


def make_world(*, title: str = COURSE) -> World:
    instructor = InstructorFactory.create()
    offering = OfferingFactory.create(
        status=OfferingStatus.FINISHED, instructors=[instructor], with_sessions=False,
        course__center=instructor.center, course__title=title, course__session_minutes=90,
    )  # fmt: skip
    sessions = []
    for number in range(5):
        start = dt.datetime.combine(FIRST + dt.timedelta(days=7 * number), dt.time(16), TEHRAN)
        sessions.append(
            SessionFactory.create(
                offering=offering,
                number=number + 1,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=90),
                status=SessionStatus.CANCELLED if number == 2 else SessionStatus.HELD,
            )
        )
    cancelled = sessions.pop(2)
    guardian = GuardianFactory.create()
    child = LearnerFactory.create(family=guardian.family, first_name=CHILD[0], last_name=CHILD[1])
    other_guardian = GuardianFactory.create()
    other_child = LearnerFactory.create(
        family=other_guardian.family, first_name=OTHER[0], last_name=OTHER[1]
    )
    for session, status in zip(sessions, ["present", "late", "absent", "present"], strict=True):
        mark(session, child, status)
    for session, status in zip(sessions, ["present", "excused", "absent", "present"], strict=True):
        mark(session, other_child, status)
    staff = StaffFactory.create(center=offering.center)
    return World(
        offering=offering, sessions=sessions, cancelled=cancelled, guardian=guardian, child=child,
        place=place(child, offering), other_guardian=other_guardian, other_child=other_child,
        other_place=place(other_child, offering), staff=staff, instructor=instructor,
    )  # fmt: skip


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def now() -> dt.datetime:
    return ENDED + dt.timedelta(hours=1)
