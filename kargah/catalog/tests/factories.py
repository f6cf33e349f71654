"""factory_boy factories for the catalog (and the enrollment a schedule change notifies).

Importing this module has no side effects: nothing touches the database until a factory
is called. Offerings are drafts without sessions unless asked:

    OfferingFactory()                          # draft, one instructor of its center
    OfferingFactory(instructors=[a, b])        # these instructors ([] for none)
    OfferingFactory(with_sessions=True)        # sessions planned from the pattern
    OfferingFactory(published=True)            # status published, published_at, sessions
                                               # (with_sessions=False for none)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
import jdatetime
from django.utils import timezone

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import CenterFactory, LearnerFactory
from kargah.catalog.models import (
    AgeGroup,
    Category,
    CategoryKind,
    Course,
    CourseConditions,
    Holiday,
    HolidaySource,
    Offering,
    OfferingStatus,
    Session,
    Term,
)
from kargah.core.persian import TEHRAN
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"نقاشی {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    kind = CategoryKind.ARTISTIC
    parent = None


class AgeGroupFactory(factory.django.DjangoModelFactory[AgeGroup]):
    class Meta:
        model = AgeGroup

    name = factory.Sequence(lambda n: f"گروه سنی {n}")
    code = factory.Sequence(lambda n: f"age-{n}")
    min_age = 7
    max_age = 12


class CourseConditionsFactory(factory.django.DjangoModelFactory[CourseConditions]):
    class Meta:
        model = CourseConditions

    course = factory.SubFactory("kargah.catalog.tests.factories.CourseFactory", conditions=None)
    version = 1
    text = "شرایط شرکت در کارگاه را خوانده‌ام و می‌پذیرم."


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    center = factory.SubFactory(CenterFactory)
    category = factory.SubFactory(CategoryFactory)
    age_group = factory.SubFactory(AgeGroupFactory)
    title = factory.Sequence(lambda n: f"کارگاه نقاشی {n}")
    description = "آشنایی کودکان با رنگ و فرم"
    syllabus = ""
    session_count = 8
    session_minutes = 60
    required_documents: Any = factory.LazyFunction(list)
    # Version 1 of the conditions; pass conditions=None for a course without any.
    conditions = factory.RelatedFactory(CourseConditionsFactory, "course")


class TermFactory(factory.django.DjangoModelFactory[Term]):
    class Meta:
        model = Term

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"ترم {n}")
    # Wider than a real term (term_create allows a year): it holds both the tests' fixed
    # dates of 1403 (from 2024-03-20) and today's, so no session of a test offering falls
    # outside its term unless a test means it to (the forms warn of that, issue 11).
    starts_on = dt.date(2024, 3, 20)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


class InstructorFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"instructor{n}")
    role = Role.INSTRUCTOR
    center = factory.SubFactory(CenterFactory)
    first_name = "مریم"
    last_name = factory.Sequence(lambda n: f"مربی {n}")
    is_staff = False  # the admin is the administrator's alone (issue 11)


class OfferingFactory(factory.django.DjangoModelFactory[Offering]):
    """A draft offering; the pattern is Saturdays at 16:00 and registration closes two days
    before the first date (which is three weeks from today by default)."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=OfferingStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )

    course = factory.SubFactory(CourseFactory)
    center = factory.SelfAttribute("course.center")
    term = factory.SubFactory(TermFactory, center=factory.SelfAttribute("..course.center"))
    capacity = 20
    quorum = 5
    fee_rials: Any = 5_000_000
    weekly_pattern: Any = factory.LazyFunction(lambda: [{"weekday": 0, "start": "16:00"}])
    first_date: Any = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))
    registration_opens_at: Any = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    registration_closes_at: Any = factory.LazyAttribute(
        lambda o: _tehran_midnight(o.first_date) - dt.timedelta(days=2)
    )
    min_age = factory.SelfAttribute("course.age_group.min_age")
    max_age = factory.SelfAttribute("course.age_group.max_age")
    status = OfferingStatus.DRAFT
    published_at = None

    @classmethod
    def _create(cls, model_class: type[Offering], *args: Any, **kwargs: Any) -> Offering:
        # The filter fields (weekday mask, time of day, search text) are derived by the
        # services; do the same so that catalog filters see factory offerings.
        from kargah.catalog.services import _derive_filter_fields

        offering = model_class(**kwargs)
        _derive_filter_fields(offering)
        offering.save()
        return offering

    @factory.post_generation
    def instructors(obj: Offering, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        if extracted is None:
            instructor = InstructorFactory.create(center=obj.center)
            obj.instructors.set([instructor])
        else:
            obj.instructors.set(list(extracted))

    @factory.post_generation
    def with_sessions(obj: Offering, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Sessions planned from the pattern, skipping the holidays already in the database;
        by default only for an offering that is no longer a draft."""
        if extracted is None:
            extracted = obj.status != OfferingStatus.DRAFT
        if not create or not extracted:
            return
        from kargah.catalog.services import offering_preview

        plan = offering_preview(offering=obj)
        Session.objects.bulk_create(
            Session(offering=obj, number=i, starts_at=start, ends_at=end)
            for i, (start, end) in enumerate(plan.sessions, start=1)
        )


def _next_session_number(offering: Offering) -> int:
    return offering.sessions.count() + 1 if offering.pk else 1


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    """A session a week after the offering's last one (the first on its first date),
    at 16:00 Tehran time."""

    class Meta:
        model = Session

    offering = factory.SubFactory(OfferingFactory)
    number = factory.LazyAttribute(lambda o: _next_session_number(o.offering))
    starts_at: Any = factory.LazyAttribute(
        lambda o: dt.datetime.combine(
            (o.offering.first_date or timezone.localdate()) + dt.timedelta(days=7 * (o.number - 1)),
            dt.time(16, 0),
            tzinfo=TEHRAN,
        )
    )
    ends_at: Any = factory.LazyAttribute(
        lambda o: o.starts_at + dt.timedelta(minutes=o.offering.course.session_minutes)
    )


class HolidayFactory(factory.django.DjangoModelFactory[Holiday]):
    """A national official holiday by default; pass center=… with source=CENTER (or use
    closure=True) for a center's closure, province=… for a provincial holiday."""

    class Meta:
        model = Holiday

    class Params:
        closure = factory.Trait(
            source=HolidaySource.CENTER, center=factory.SubFactory(CenterFactory)
        )

    date: Any = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    name = factory.Sequence(lambda n: f"تعطیلی {n}")
    source = HolidaySource.OFFICIAL
    province = None
    center = None
    is_estimate = False
    package_date = None
    is_removed = False
    jalali_year = factory.LazyAttribute(lambda o: jdatetime.date.fromgregorian(date=o.date).year)


class EnrollmentFactory(factory.django.DjangoModelFactory[Enrollment]):
    """A confirmed enrollment that accepted the course's current conditions; an active one
    also takes a seat of the offering (as registering does)."""

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    learner = factory.SubFactory(LearnerFactory)
    # The paying family: the child's own, unless a linked family registered it.
    family = factory.LazyAttribute(lambda o: o.learner.family)
    offering = factory.SubFactory(OfferingFactory, published=True)
    status = EnrollmentStatus.CONFIRMED
    conditions = factory.LazyAttribute(
        lambda o: o.offering.course.conditions.order_by("-version").first()
    )
    conditions_accepted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def hold_seat(obj: Enrollment, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False or obj.status not in ACTIVE_STATUSES:
            return
        from django.db.models import F

        Offering.objects.filter(pk=obj.offering_id).update(seats_taken=F("seats_taken") + 1)
        obj.offering.refresh_from_db(fields=["seats_taken"])
