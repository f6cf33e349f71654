"""Fixtures of the teaching tests: a movable clock, a running class with an instructor, a
session today at 16:00 Tehran time and two families' children with confirmed places."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kargah.accounts.models import Learner, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Offering, OfferingStatus, Session
from kargah.catalog.tests.factories import InstructorFactory, OfferingFactory, SessionFactory
from kargah.enrollment.models import Enrollment, EnrollmentStatus

TEHRAN = ZoneInfo("Asia/Tehran")
# A Wednesday: the Iranian week around it runs from Saturday 1403/09/10 to Friday 09/16.
TODAY = dt.date(2024, 12, 4)


def tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Wednesday 10:00 Tehran time; tests let time pass with advance()."""
    frozen = Clock(tehran(TODAY, 10))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def place(
    learner: Learner, offering: Offering, status: str = EnrollmentStatus.CONFIRMED
) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner,
        family=learner.family,
        offering=offering,
        status=status,
        conditions=offering.course.conditions.get(),
        conditions_accepted_at=timezone.now(),
        fee_rials=0,
    )


@dataclass
class World:
    instructor: User
    offering: Offering
    session: Session  # today 16:00–17:00 Tehran time
    child: Learner
    guardian: User
    other_child: Learner
    other_guardian: User


@pytest.fixture
def world(db: None, clock: Clock) -> World:
    instructor = InstructorFactory.create()
    offering = OfferingFactory.create(
        status=OfferingStatus.RUNNING, instructors=[instructor], with_sessions=False,
        course__center=instructor.center,
    )  # fmt: skip
    session = SessionFactory.create(
        offering=offering, number=1, starts_at=tehran(TODAY, 16), ends_at=tehran(TODAY, 17)
    )
    guardian = GuardianFactory.create()
    child = LearnerFactory.create(family=guardian.family, first_name="آرمان")
    other_guardian = GuardianFactory.create()
    other_child = LearnerFactory.create(family=other_guardian.family, first_name="بهار")
    place(child, offering)
    place(other_child, offering)
    return World(instructor, offering, session, child, guardian, other_child, other_guardian)
