"""Demo data of certificates: a calligraphy class of the virtual center that finished a few
weeks before the demo, with the attendance its instructor confirmed; the children of
09120000001 came often enough for a certificate (downloaded from *My classes*), a child of
09120000003 did not. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kargah.accounts.models import Learner, User
from kargah.catalog.demo import demo_class_sessions
from kargah.catalog.models import (
    AgeGroup,
    Category,
    Course,
    CourseConditions,
    Offering,
    OfferingStatus,
    Term,
)
from kargah.catalog.selectors import closed_days
from kargah.certificates.models import Certificate
from kargah.certificates.services import certificate_issue
from kargah.core.persian import TEHRAN
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.teaching.models import Attendance, AttendanceSource, AttendanceStatus

TITLE = "خوشنویسی با قلم نی: دورهٔ مقدماتی"
INSTRUCTOR = "instructor.naghashi"
SESSIONS = 6
MINUTES = 90
# Who came, per family: 09120000001's children five times of six (a certificate at 75 %),
# 09120000003's child three times (50 %: none).
ATTENDED = {"+989120000001": 5, "+989120000003": 3}


def _session_days(center_id: int, last: dt.date) -> list[dt.date]:
    """SESSIONS Thursdays back from `last`, skipping the center's holidays and closures."""
    from kargah.accounts.models import Center

    center = Center.objects.get(pk=center_id)
    closed = closed_days(center=center, start=last - dt.timedelta(days=120), end=last)
    days: list[dt.date] = []
    day = last - dt.timedelta(days=(last.weekday() - 3) % 7)  # the Thursday on or before
    while len(days) < SESSIONS:
        if day not in closed:
            days.append(day)
        day -= dt.timedelta(days=7)
    return sorted(days)


@transaction.atomic
def seed_certificates_demo(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    instructor = User.objects.get(username=INSTRUCTOR)
    center_id = User.objects.get(username="staff.virtual").center_id
    assert center_id is not None
    offering = Offering.objects.filter(course__title=TITLE, center_id=center_id).first()
    if offering is None:
        offering = _finished_class(center_id=center_id, instructor=instructor, now=now)
    issued_at = offering.sessions.order_by("-ends_at").values_list("ends_at", flat=True).first()
    assert issued_at is not None
    for place in offering.enrollments.filter(status=EnrollmentStatus.COMPLETED).order_by("id"):
        certificate_issue(enrollment=place, now=issued_at + dt.timedelta(hours=20))
    return {
        "places": offering.enrollments.count(),
        "certificates": Certificate.objects.filter(enrollment__offering=offering).count(),
    }


def _finished_class(*, center_id: int, instructor: User, now: dt.datetime) -> Offering:
    days = _session_days(center_id, (now - dt.timedelta(days=21)).astimezone(TEHRAN).date())
    category = Category.objects.filter(parent__isnull=False).order_by("id").first()
    age_group = AgeGroup.objects.filter(min_age__lte=9, max_age__gte=9).order_by("id").first()
    age_group = age_group or AgeGroup.objects.order_by("min_age").first()
    assert category is not None and age_group is not None, "run demo_seed first"
    course = Course.objects.create(
        center_id=center_id, category=category, age_group=age_group, title=TITLE,
        description="آشنایی با قلم نی، مرکب و حروف مفرد و مرکب خط نستعلیق.",
        session_count=SESSIONS, session_minutes=MINUTES, certificate_attendance_percent=75,
    )  # fmt: skip
    conditions = CourseConditions.objects.create(
        course=course, version=1, text="شرایط کارگاه را خوانده‌ام و می‌پذیرم."
    )
    starts = [dt.datetime.combine(day, dt.time(9), TEHRAN) for day in days]
    first = starts[0]
    offering = Offering(
        course=course, center_id=center_id,
        term=Term.objects.filter(center_id=center_id, starts_on__lte=days[0])
        .order_by("-starts_on").first() or Term.objects.filter(center_id=center_id).first(),
        capacity=12, quorum=2, fee_rials=0, min_age=4, max_age=18,
        registration_opens_at=first - dt.timedelta(days=30),
        registration_closes_at=first - dt.timedelta(days=3),
        weekly_pattern=[{"weekday": 5, "start": "09:00"}],  # Thursday (Saturday is 0)
        first_date=days[0], status=OfferingStatus.FINISHED, published_at=first - dt.timedelta(days=30),
    )  # fmt: skip
    sessions = demo_class_sessions(offering, instructor, starts, minutes=MINUTES, held=len(starts))
    learners = list(
        Learner.objects.filter(family__guardian__mobile__in=list(ATTENDED)).order_by(
            "family_id", "id"
        )
    )
    ended_at = sessions[-1].ends_at + dt.timedelta(minutes=1)
    Enrollment.objects.bulk_create(
        Enrollment(
            learner=learner,
            family_id=learner.family_id,
            offering=offering,
            status=EnrollmentStatus.COMPLETED,
            conditions=conditions,
            conditions_accepted_at=first - dt.timedelta(days=10),
            confirmed_at=first - dt.timedelta(days=10),
            ended_at=ended_at,
        )
        for learner in learners
    )
    offering.seats_taken = len(learners)
    offering.save(update_fields=["seats_taken"])
    rows = []
    for learner in learners:
        came = ATTENDED[learner.family.guardian.mobile or ""]
        for index, session in enumerate(sessions):
            present = index < came
            rows.append(
                Attendance(
                    session=session,
                    learner=learner,
                    status=AttendanceStatus.PRESENT if present else AttendanceStatus.ABSENT,
                    minutes_attended=MINUTES - 3 if present else 0,
                    source=AttendanceSource.CLASSROOM,
                    confirmed_by=instructor,
                    confirmed_at=session.ends_at + dt.timedelta(hours=1),
                    updated_at=session.ends_at + dt.timedelta(hours=1),
                )
            )
    Attendance.objects.bulk_create(rows)
    return offering
