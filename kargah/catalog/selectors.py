"""Reads of the catalog: closed days, the public catalog with its filters, one offering."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Center, Role, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import (
    Course,
    Holiday,
    HolidaySource,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
    Tag,
    Term,
)
from kargah.core.persian import (
    TEHRAN,
    format_jalali_date,
    localize_digits,
    search_key,
    search_terms,
    to_tehran,
)

# Python's weekday() of Friday, the Iranian week's day off.
FRIDAY = 4

PUBLIC_STATUSES = (
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)


def holidays_of_center(*, center: Center, start: dt.date, end: dt.date) -> QuerySet[Holiday]:
    """The holidays and closures in [start, end] that close this center: national official
    holidays, those of the center's province, and the center's own closures."""
    return (
        Holiday.objects.filter(date__gte=start, date__lte=end, is_removed=False)
        .filter(
            Q(source=HolidaySource.OFFICIAL, province__isnull=True)
            | Q(source=HolidaySource.OFFICIAL, province_id=center.province_id)
            | Q(source=HolidaySource.CENTER, center=center)
        )
        .order_by("date", "name")
    )


def closed_days(*, center: Center, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The days in [start, end] with no class at this center: national official holidays,
    those of the center's province, and the center's own closures (names joined)."""
    rows = holidays_of_center(center=center, start=start, end=end).values_list("date", "name")
    days: dict[dt.date, str] = {}
    for day, name in rows:
        days[day] = f"{days[day]}؛ {name}" if day in days else name
    return days


@dataclass(frozen=True)
class NearEstimate:
    """A session (or planned start) within a day of an estimated lunar holiday: the official
    date may yet fall on the session's day."""

    number: int  # the session's place among the starts, from 1
    starts_at: dt.datetime
    holiday: Holiday
    days_after: int  # the session's day minus the holiday's estimated day: -1, 0 or 1


def estimated_holidays_near(*, center: Center, starts: Sequence[dt.datetime]) -> list[NearEstimate]:
    """For each start (in order) whose Tehran day is within one day of an estimated holiday
    national or of the center's province, the holiday (P4: staff are warned before
    publishing that the announced date may move onto the session)."""
    if not starts:
        return []
    days = [to_tehran(start).date() for start in starts]
    one = dt.timedelta(days=1)
    estimates = list(
        Holiday.objects.filter(
            source=HolidaySource.OFFICIAL,
            is_estimate=True,
            is_removed=False,
            date__gte=min(days) - one,
            date__lte=max(days) + one,
        )
        .filter(Q(province__isnull=True) | Q(province_id=center.province_id))
        .order_by("date", "name")
    )
    near = []
    for number, (start, day) in enumerate(zip(starts, days, strict=True), start=1):
        for holiday in estimates:
            apart = (day - holiday.date).days
            if -1 <= apart <= 1:
                near.append(NearEstimate(number, start, holiday, apart))
    return near


def sessions_near_estimated_holidays(*, offering: Offering) -> list[NearEstimate]:
    """The offering's scheduled sessions within a day of an estimated lunar holiday."""
    starts = list(
        offering.sessions.exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    return estimated_holidays_near(center=offering.center, starts=starts)


def holidays_in_year(*, jalali_year: int) -> QuerySet[Holiday]:
    return Holiday.objects.filter(jalali_year=jalali_year).select_related("province", "center")


@dataclass(frozen=True)
class CatalogFilters:
    """What a family can filter the catalog by; every field is optional."""

    query: str = ""
    category_id: int | None = None
    age: int | None = None
    age_group_id: int | None = None
    center_id: int | None = None
    province_id: int | None = None
    weekday: int | None = None  # Saturday 0 … Friday 6
    time_of_day: str = ""
    fee_min: int | None = None
    fee_max: int | None = None
    seats_left_min: int | None = None
    registration_open: bool = False


def _first_session_subquery() -> Subquery:
    return Subquery(
        Session.objects.filter(offering=OuterRef("pk"))
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


class Lead:
    """Where an offering stands in the catalog's order: what a family can act on first."""

    OPEN = 0  # registration open with a free seat
    OPEN_FULL = 1  # registration open, only the waiting list left
    SOON = 2  # registration opens later
    CLOSED = 3  # registration over, running or finished


def _lead(now: dt.datetime) -> Case:
    window_open = Q(
        status=OfferingStatus.PUBLISHED,
        registration_opens_at__lte=now,
        registration_closes_at__gt=now,
    )
    return Case(
        When(window_open & Q(seats_taken__lt=F("capacity")), then=Value(Lead.OPEN)),
        When(window_open, then=Value(Lead.OPEN_FULL)),
        When(status=OfferingStatus.PUBLISHED, registration_opens_at__gt=now, then=Value(Lead.SOON)),
        default=Value(Lead.CLOSED),
        output_field=IntegerField(),
    )


def _matches(term: str) -> Q:
    """A search word found in the offering's title and description or in one of its
    course's tags (both in search_key form, so the same spelling rules apply)."""
    tagged = Tag.objects.filter(courses=OuterRef("course_id"), search_text__contains=term)
    return Q(search_text__contains=term) | Q(Exists(tagged))


def offering_catalog(
    *, filters: CatalogFilters, at: dt.datetime | None = None
) -> QuerySet[Offering]:
    """Published offerings matching the filters, with what a list shows, in one query.
    The list leads (issue 9, item 4): open classes with seats first (closing soonest
    first), then open but full ones, then those opening soon, closed ones last."""
    now = at or timezone.now()
    queryset = (
        Offering.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("course__category__parent", "course__age_group", "center__province")
        .annotate(
            seats_free=F("capacity") - F("seats_taken"),
            # A correlated subquery on (offering, starts_at) rather than MIN over a join:
            # the join grouped every session of every offering before paging.
            first_session_at=_first_session_subquery(),
            lead=_lead(now),
        )
    )
    f = filters
    for term in search_terms(f.query):
        queryset = queryset.filter(_matches(term))
    if f.category_id:
        queryset = queryset.filter(
            Q(course__category_id=f.category_id) | Q(course__category__parent_id=f.category_id)
        )
    if f.age is not None:
        queryset = queryset.filter(min_age__lte=f.age, max_age__gte=f.age)
    if f.age_group_id:
        queryset = queryset.filter(course__age_group_id=f.age_group_id)
    if f.center_id:
        queryset = queryset.filter(center_id=f.center_id)
    if f.province_id:
        queryset = queryset.filter(center__province_id=f.province_id)
    if f.weekday is not None:
        queryset = queryset.annotate(weekday_hit=F("weekday_mask").bitand(1 << f.weekday)).filter(
            weekday_hit__gt=0
        )
    if f.time_of_day:
        queryset = queryset.filter(time_of_day=f.time_of_day)
    if f.fee_min is not None:
        queryset = queryset.filter(fee_rials__gte=f.fee_min)
    if f.fee_max is not None:
        queryset = queryset.filter(fee_rials__lte=f.fee_max)
    if f.seats_left_min is not None:
        queryset = queryset.filter(seats_free__gte=f.seats_left_min)
    if f.registration_open:
        queryset = queryset.filter(
            status=OfferingStatus.PUBLISHED,
            registration_opens_at__lte=now,
            registration_closes_at__gt=now,
        )
    return queryset.order_by(
        "lead",
        # Among those opening soon, the next to open leads; among the closed, the newest.
        Case(When(lead=Lead.SOON, then=F("registration_opens_at"))).asc(nulls_last=True),
        Case(When(lead=Lead.CLOSED, then=F("registration_closes_at"))).desc(nulls_last=True),
        "registration_closes_at",
        "id",
    )


SUGGESTIONS = 3
# difflib's similarity (0–1) a title word or tag needs to be offered as "did you mean".
SUGGESTION_CUTOFF = 0.6


def search_suggestions(*, query: str) -> list[str]:
    """Close matches for a search that found nothing, as written in the catalog: whole
    titles, their words and the tags of published offerings, compared in search_key form
    (difflib: a few hundred short strings need no trigram index)."""
    wanted = [search_key(query), *search_terms(query)]
    if not any(wanted):
        return []
    spellings: dict[str, str] = {}
    courses = Course.objects.filter(offerings__status__in=PUBLIC_STATUSES).distinct()
    for title in courses.values_list("title", flat=True):
        for text in (title, *title.replace("\u200c", " ").split()):
            if len(text) >= 3:
                spellings.setdefault(search_key(text), text)
    for tag in Tag.objects.filter(courses__in=courses).distinct():
        for spelling in tag.spellings():
            spellings.setdefault(search_key(spelling), spelling)
    found: list[str] = []
    for key in dict.fromkeys(k for k in wanted if k):
        for match in difflib.get_close_matches(key, spellings, SUGGESTIONS, SUGGESTION_CUTOFF):
            if spellings[match] not in found:
                found.append(spellings[match])
    return found[:SUGGESTIONS]


def offering_public_detail(*, offering_id: int) -> Offering:
    """One published offering with its sessions, instructors and conditions; else 404."""
    offering = (
        Offering.objects.filter(
            pk=offering_id, status__in=(*PUBLIC_STATUSES, OfferingStatus.CANCELLED)
        )
        .exclude(published_at__isnull=True)
        .select_related("course__category__parent", "course__age_group", "center__province", "term")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "id")),
            "instructors",
            "course__conditions",
        )
        .first()
    )
    if offering is None:
        raise Http404
    return offering


def offering_for_registration(*, offering_id: int) -> Offering:
    """One published (or cancelled) offering with its course: what registering reads before
    it takes the seat lock (the public page's sessions, instructors and conditions are not
    needed); else 404."""
    offering = (
        Offering.objects.filter(
            pk=offering_id, status__in=(*PUBLIC_STATUSES, OfferingStatus.CANCELLED)
        )
        .exclude(published_at__isnull=True)
        .select_related("course")
        .first()
    )
    if offering is None:
        raise Http404
    return offering


def offering_list_for_staff(*, user: User) -> QuerySet[Offering]:
    """Offerings of the centers this staff member may manage (their own only)."""
    return (
        Offering.objects.filter(center__in=center_list_for_staff(user=user))
        .select_related("course", "center", "term")
        .annotate(first_session_at=_first_session_subquery())
        .order_by("-created_at")
    )


def offering_get_for_staff(*, user: User, offering_id: int) -> Offering:
    offering = offering_list_for_staff(user=user).filter(pk=offering_id).first()
    if offering is None:
        raise Http404
    return offering


def course_list_for_staff(*, user: User) -> QuerySet[Course]:
    return Course.objects.filter(center__in=center_list_for_staff(user=user)).select_related(
        "center", "age_group"
    )


def term_list_for_staff(*, user: User) -> QuerySet[Term]:
    return Term.objects.filter(center__in=center_list_for_staff(user=user)).select_related("center")


def term_get_for_staff(*, user: User, term_id: int) -> Term:
    """One term of the staff member's centers; else 404."""
    term = term_list_for_staff(user=user).filter(pk=term_id).first()
    if term is None:
        raise Http404
    return term


def course_get_for_staff(*, user: User, course_id: int) -> Course:
    """One course of the staff member's centers, its conditions versions prefetched; else 404."""
    course = course_list_for_staff(user=user).prefetch_related("conditions").filter(pk=course_id)
    found = course.first()
    if found is None:
        raise Http404
    return found


def schedule_warnings(*, term: Term, starts: Sequence[dt.datetime]) -> list[str]:
    """What a person must confirm before sessions at these times are saved (item 10): a
    session outside the offering's term, or on a Friday (the Iranian week's day off, rule 11)."""
    warnings: list[str] = []
    days = [to_tehran(start).date() for start in starts]
    outside = [day for day in days if not term.starts_on <= day <= term.ends_on]
    if outside:
        warnings.append(
            _("%(count)s sessions fall outside the term «%(term)s» (%(first)s to %(last)s).")
            % {
                "count": localize_digits(len(outside)),
                "term": term.name,
                "first": format_jalali_date(term.starts_on),
                "last": format_jalali_date(term.ends_on),
            }
        )
    fridays = [day for day in days if day.weekday() == FRIDAY]
    if fridays:
        warnings.append(
            _("%(count)s sessions fall on a Friday, the weekly day off.")
            % {"count": localize_digits(len(fridays))}
        )
    return warnings


def instructor_list_for_staff(*, user: User) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.INSTRUCTOR, is_active=True, center__in=center_list_for_staff(user=user)
    ).order_by("last_name", "first_name", "username")


def session_get_for_staff(*, user: User, session_id: int) -> Session:
    """One session of an offering of the staff member's centers; else 404."""
    session = (
        Session.objects.filter(pk=session_id, offering__center__in=center_list_for_staff(user=user))
        .select_related("offering__course", "offering__center")
        .first()
    )
    if session is None:
        raise Http404
    return session


def session_get_for_instructor(*, user: User, session_id: int) -> Session:
    """One session of an offering the user teaches (the instructor's desk reports a problem
    through services_lifecycle.session_cancel with it); else 404."""
    session = (
        Session.objects.filter(pk=session_id, offering__instructors=user)
        .select_related("offering__course", "offering__center")
        .first()
    )
    if session is None or user.role != Role.INSTRUCTOR:
        raise Http404
    return session


def holiday_list_for_staff(*, user: User, jalali_year: int) -> QuerySet[Holiday]:
    """The official holidays of a Jalali year and the closures of the staff member's centers."""
    return (
        holidays_in_year(jalali_year=jalali_year)
        .filter(Q(source=HolidaySource.OFFICIAL) | Q(center__in=center_list_for_staff(user=user)))
        .order_by("date", "name")
    )


def holiday_get_for_staff(*, user: User, holiday_id: int) -> Holiday:
    holiday = (
        Holiday.objects.filter(pk=holiday_id)
        .filter(Q(source=HolidaySource.OFFICIAL) | Q(center__in=center_list_for_staff(user=user)))
        .select_related("province", "center")
        .first()
    )
    if holiday is None:
        raise Http404
    return holiday


def sessions_in_range(
    *, center: Center | None, start: dt.datetime, end: dt.datetime
) -> QuerySet[Session]:
    """Scheduled sessions starting in [start, end), optionally of one center."""
    queryset = Session.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        status=SessionStatus.CANCELLED
    )
    if center is not None:
        queryset = queryset.filter(offering__center=center)
    return queryset.select_related("offering__course").order_by("starts_at")


def sessions_on_closed_day(*, holiday: Holiday) -> QuerySet[Session]:
    """Scheduled sessions of live offerings that fall on a holiday's day in its scope."""
    day_start = dt.datetime.combine(holiday.date, dt.time.min, tzinfo=TEHRAN)
    queryset = Session.objects.filter(
        starts_at__gte=day_start,
        starts_at__lt=day_start + dt.timedelta(days=1),
        status=SessionStatus.SCHEDULED,
    ).exclude(offering__status__in=(OfferingStatus.CANCELLED, OfferingStatus.FINISHED))
    if holiday.source == HolidaySource.CENTER:
        queryset = queryset.filter(offering__center=holiday.center)
    elif holiday.province_id:
        queryset = queryset.filter(offering__center__province_id=holiday.province_id)
    return queryset.select_related("offering__course", "offering__center").order_by("starts_at")
