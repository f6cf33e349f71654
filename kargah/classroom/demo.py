"""The live-class demo: a class of the demo's painting instructor with a session starting
about now, the first demo family's children confirmed in it, recorded (run after
`demo_seed`; `make demo` runs `manage.py classroom_demo`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kargah.accounts.models import User
from kargah.catalog.models import (
    AgeGroup,
    Category,
    Course,
    CourseConditions,
    Offering,
    OfferingStatus,
    Session,
    Term,
)
from kargah.classroom.models import ClassroomSettings
from kargah.classroom.selectors import join_window
from kargah.enrollment.models import Enrollment, EnrollmentStatus

DEMO_TITLE = "کلاس نمایشی: آشنایی با کلاس آنلاین"
DEMO_INSTRUCTOR = "instructor.naghashi"
DEMO_GUARDIAN = "+989120000001"
SESSION_MINUTES = 60


def _offering(now: dt.datetime) -> Offering:
    instructor = User.objects.get(username=DEMO_INSTRUCTOR)
    center = instructor.center
    assert center is not None
    offering = Offering.objects.filter(course__title=DEMO_TITLE, center=center).first()
    if offering is not None:
        return offering
    group = AgeGroup.objects.order_by("min_age").first()
    assert group is not None, "run demo_seed first"
    category = (
        Category.objects.filter(slug="painting").first()
        or Category.objects.filter(parent__isnull=False).first()
        or Category.objects.first()
    )
    term = Term.objects.filter(center=center).order_by("-starts_on").first()
    assert category is not None and term is not None, "run demo_seed first"
    course = Course.objects.create(
        center=center,
        category=category,
        age_group=group,
        title=DEMO_TITLE,
        description="کلاسی کوتاه برای دیدن کلاس آنلاین: مربی و فراگیر وارد می‌شوند و حضورشان ثبت می‌شود.",
        session_count=8,
        session_minutes=SESSION_MINUTES,
    )
    conditions = CourseConditions.objects.create(
        course=course, version=1, text="شرکت در این کلاس نمایشی رایگان است."
    )
    offering = Offering.objects.create(
        course=course,
        term=term,
        center=center,
        capacity=10,
        quorum=1,
        fee_rials=0,
        registration_opens_at=now - dt.timedelta(days=2),
        registration_closes_at=now - dt.timedelta(days=1),
        first_date=timezone.localdate(),
        min_age=4,
        max_age=18,
        status=OfferingStatus.REGISTRATION_CLOSED,
        published_at=now - dt.timedelta(days=2),
    )
    offering.instructors.set([instructor])
    ClassroomSettings.objects.create(offering=offering, records=True)
    family = User.objects.get(mobile=DEMO_GUARDIAN).family
    learners = list(family.learners.order_by("id"))
    Enrollment.objects.bulk_create(
        Enrollment(
            learner=learner,
            family=family,
            offering=offering,
            status=EnrollmentStatus.CONFIRMED,
            conditions=conditions,
            conditions_accepted_at=now,
            confirmed_at=now,
        )
        for learner in learners
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=F("seats_taken") + len(learners))
    return offering


@transaction.atomic
def seed_classroom_demo(*, now: dt.datetime | None = None) -> Session:
    """The demo class and a session whose join window is open now (a new one when the last
    has passed); running it again within the session changes nothing."""
    now = now or timezone.now()
    offering = _offering(now)
    for session in offering.sessions.order_by("-starts_at")[:1]:
        if join_window(session=session, now=now).state in ("open", "before"):
            return session
    start = (now + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    return Session.objects.create(
        offering=offering,
        number=offering.sessions.count() + 1,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=SESSION_MINUTES),
    )
