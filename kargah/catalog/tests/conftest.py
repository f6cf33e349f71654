"""Fixtures of the catalog tests: a movable clock, a center with its staff, an
administrator, the official holidays of 1402–1404, and a helper that builds a draft
offering and generates its sessions through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from kargah.accounts.models import Center, Role, User
from kargah.accounts.tests.factories import CenterFactory, LearnerFactory, StaffFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog import services
from kargah.catalog.models import Offering, OfferingStatus, Session
from kargah.catalog.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    OfferingFactory,
)
from kargah.core.persian import TEHRAN
from kargah.enrollment.models import Enrollment

MakeOffering = Callable[..., Offering]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """timezone.now() as the services see it (as in the accounts tests)."""
    frozen = Clock((timezone.now() + dt.timedelta(minutes=1)).replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def center(db: None) -> Center:
    return CenterFactory.create()


@pytest.fixture
def staff(center: Center) -> User:
    return StaffFactory.create(center=center)


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create(username="admin-catalog", role=Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def official_holidays(db: None) -> None:
    """The package's official holidays of 1402, 1403 and 1404 (2023-03-21 … 2026-03-20)."""
    for year in (1402, 1403, 1404):
        services.holiday_sync_official(jalali_year=year)


def tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TEHRAN)


@pytest.fixture
def make_offering(center: Center, staff: User) -> MakeOffering:
    """A draft offering of `center` whose sessions the service generates (unless
    generate=False): `count` sessions of `minutes` on `pattern` from `first_date`.
    Registration opens 30 days and closes 2 days before the first date."""

    def make(
        *,
        first_date: dt.date,
        pattern: list[dict[str, Any]] | None = None,
        count: int = 8,
        minutes: int = 60,
        title: str | None = None,
        instructors: list[User] | None = None,
        offering_center: Center | None = None,
        generate: bool = True,
        **fields: Any,
    ) -> Offering:
        where = offering_center or center
        course_fields: dict[str, Any] = {"center": where, "session_count": count}
        course_fields["session_minutes"] = minutes
        if title is not None:
            course_fields["title"] = title
        course = CourseFactory.create(**course_fields)
        if instructors is None:
            instructors = [InstructorFactory.create(center=where)]
        opens = tehran(first_date, 0) - dt.timedelta(days=30)
        offering = OfferingFactory.create(
            course=course,
            instructors=instructors,
            weekly_pattern=pattern or [{"weekday": 0, "start": "16:00"}],
            first_date=first_date,
            registration_opens_at=fields.pop("registration_opens_at", opens),
            registration_closes_at=fields.pop(
                "registration_closes_at", tehran(first_date, 0) - dt.timedelta(days=2)
            ),
            **fields,
        )
        if generate:
            actor = staff if where == center else StaffFactory.create(center=where)
            services.offering_generate_sessions(actor=actor, offering=offering)
        return offering

    return make


# --- a class under way (issue 10: lifecycle and make-ups) -------------------------------------

LIVE_FIRST = dt.date(2024, 5, 4)  # a Saturday (1403/02/15)


@dataclass
class LiveClass:
    """A class whose registration closed: three Saturday sessions at 16:00 from LIVE_FIRST,
    one hour each; family A has two children in it, family B one."""

    offering: Offering
    sessions: list[Session]
    enrollments: list[Enrollment]
    mobiles: list[str]  # family A's guardian, then family B's


@pytest.fixture
def live_class(make_offering: MakeOffering, staff: User) -> LiveClass:
    offering = services.offering_publish(
        actor=staff, offering=make_offering(first_date=LIVE_FIRST, count=3)
    )
    first = LearnerFactory.create()
    second = LearnerFactory.create(family=first.family)
    other = LearnerFactory.create()
    enrollments = [
        EnrollmentFactory.create(offering=offering, learner=learner)
        for learner in (first, second, other)
    ]
    # Where the quorum job leaves a class that reached its quorum.
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.REGISTRATION_CLOSED)
    offering.refresh_from_db()
    return LiveClass(
        offering=offering,
        sessions=list(offering.sessions.order_by("starts_at")),
        enrollments=enrollments,
        mobiles=[str(first.family.guardian.mobile), str(other.family.guardian.mobile)],
    )
