"""Demo data of the desk: an instructor whose class has a session starting in a few minutes,
a first session already held with its attendance and a conduct note, and demo children in
it (families 09120000001 and 09120000003), so that a newcomer opens /desk/, starts the class
in the fake BBB and sees attendance on both sides. Running it again changes nothing, except
that a class whose sessions are all over gets a new one around the time of the run."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kargah.accounts import services as account_services
from kargah.accounts.demo import DEMO_PASSWORD
from kargah.accounts.models import Learner, Role, User
from kargah.catalog.demo import demo_class_sessions
from kargah.catalog.models import (
    AgeGroup,
    Category,
    Course,
    CourseConditions,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
    Term,
)
from kargah.core.persian import to_tehran
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.teaching.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    ConductNote,
)

INSTRUCTOR = ("instructor.desk", "ساره", "امینی")
TITLE = "داستان‌گویی زنده: کلاس نمونهٔ میز مربی"
MINUTES = 90
GUARDIANS = ["+989120000001", "+989120000003"]
# The held first session: who came, as the instructor confirmed it.
FIRST_SESSION = [
    (AttendanceStatus.PRESENT, 88),
    (AttendanceStatus.LATE, 61),
    (AttendanceStatus.ABSENT, 0),
    (AttendanceStatus.PRESENT, 90),
]
NOTE = "در گفتگوی کلاس با حوصله به دوستانش گوش داد و از گفتگوی متن کلاس بیرون نرفت."


def _instructor(center_id: int) -> User:
    username, first, last = INSTRUCTOR
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    center = User.objects.get(username="staff.virtual").center
    assert center is not None and center.pk == center_id
    return account_services.staff_user_create(
        actor=None, username=username, password=DEMO_PASSWORD, role=Role.INSTRUCTOR,
        center=center, first_name=first, last_name=last,
    )  # fmt: skip


def _next_start(now: dt.datetime) -> dt.datetime:
    """Ten to fifteen minutes from now, on a five-minute mark: the join button already shows."""
    local = to_tehran(now).replace(second=0, microsecond=0)
    return local + dt.timedelta(minutes=10 + (5 - local.minute % 5) % 5)


@transaction.atomic
def seed_teaching_demo(*, now: dt.datetime | None = None) -> dict[str, object]:
    now = now or timezone.now()
    center = User.objects.get(username="staff.virtual").center
    assert center is not None
    instructor = _instructor(center.pk)
    offering = Offering.objects.filter(course__title=TITLE, center=center).first()
    if offering is None:
        offering = _offering(center_id=center.pk, instructor=instructor, now=now)
    elif (
        not offering.sessions.filter(ends_at__gt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .exists()
    ):
        # Over, or cancelled by the lifecycle job because nobody came in: a new one to start.
        number = offering.sessions.aggregate(n=Max("number"))["n"] or 0
        start = _next_start(now)
        Session.objects.create(
            offering=offering, number=number + 1, starts_at=start,
            ends_at=start + dt.timedelta(minutes=MINUTES),
        )  # fmt: skip
    upcoming = (
        offering.sessions.filter(ends_at__gt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .first()
    )
    return {
        "sessions": offering.sessions.count(),
        "learners": offering.enrollments.filter(status=EnrollmentStatus.CONFIRMED).count(),
        "next": f"{to_tehran(upcoming.starts_at):%H:%M}" if upcoming else "-",
    }


def _offering(*, center_id: int, instructor: User, now: dt.datetime) -> Offering:
    start = _next_start(now)
    category = Category.objects.filter(parent__isnull=False).order_by("id").first()
    age_group = AgeGroup.objects.order_by("min_age").first()
    assert category is not None and age_group is not None, "run demo_seed first"
    course = Course.objects.create(
        center_id=center_id,
        category=category,
        age_group=age_group,
        title=TITLE,
        description="کلاس نمونه برای دیدن میز مربی: شروع کلاس، فهرست فراگیران و حضور و غیاب.",
        session_count=3,
        session_minutes=MINUTES,
    )
    conditions = CourseConditions.objects.create(
        course=course, version=1, text="شرایط کارگاه را خوانده‌ام و می‌پذیرم."
    )
    first = start - dt.timedelta(days=7)
    offering = Offering(
        course=course, center_id=center_id,
        term=Term.objects.filter(center_id=center_id, starts_on__lte=first.date())
        .order_by("-starts_on").first() or Term.objects.filter(center_id=center_id).first(),
        capacity=10, quorum=2, fee_rials=0, min_age=4, max_age=18,
        registration_opens_at=first - dt.timedelta(days=21),
        registration_closes_at=first - dt.timedelta(days=2),
        weekly_pattern=[{"weekday": (first.weekday() + 2) % 7, "start": f"{first:%H:%M}"}],
        first_date=first.date(), status=OfferingStatus.RUNNING, published_at=first - dt.timedelta(days=21),
    )  # fmt: skip
    starts = (first, start, start + dt.timedelta(days=7))
    sessions = demo_class_sessions(offering, instructor, starts, minutes=MINUTES, held=1)
    learners = list(
        Learner.objects.filter(family__guardian__mobile__in=GUARDIANS).order_by("family_id", "id")
    )
    Enrollment.objects.bulk_create(
        Enrollment(
            learner=learner,
            family_id=learner.family_id,
            offering=offering,
            status=EnrollmentStatus.CONFIRMED,
            conditions=conditions,
            conditions_accepted_at=first - dt.timedelta(days=10),
            confirmed_at=first - dt.timedelta(days=10),
        )
        for learner in learners
    )
    offering.seats_taken = len(learners)
    offering.save(update_fields=["seats_taken"])
    confirmed_at = sessions[0].ends_at + dt.timedelta(hours=2)
    Attendance.objects.bulk_create(
        Attendance(
            session=sessions[0],
            learner=learner,
            status=status,
            minutes_attended=minutes,
            source=AttendanceSource.CLASSROOM,
            confirmed_by=instructor,
            confirmed_at=confirmed_at,
            updated_at=confirmed_at,
        )
        for learner, (status, minutes) in zip(learners, FIRST_SESSION, strict=False)
    )
    if learners:
        ConductNote.objects.create(
            learner=learners[0], offering=offering, session=sessions[0], author=instructor,
            text=NOTE, created_at=confirmed_at,
        )  # fmt: skip
    return offering
