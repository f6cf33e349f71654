"""Public catalog pages: the filtered list, one offering with its whole schedule (P1), and
the offering's sessions as an iCalendar file. Views only parse input and call selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import attrgetter

import icalendar
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kargah.accounts.models import Learner, Role, User
from kargah.accounts.selectors import learner_list_for
from kargah.catalog import schedule, selectors
from kargah.catalog.cache import cached_for_visitors
from kargah.catalog.forms_public import CatalogFilterForm, weekday_choices
from kargah.catalog.models import (
    CourseConditions,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.core.errors import DomainError
from kargah.core.persian import localize_digits, to_tehran
from kargah.enrollment.selectors import waiting_places

PAGE_SIZE = 20
ICS_LOCATION = "online"


class WindowState:
    """Where an offering stands with its registration window, for a badge."""

    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def registration_state(offering: Offering, now: dt.datetime) -> str:
    if offering.status == OfferingStatus.CANCELLED:
        return WindowState.CANCELLED
    if offering.registration_is_open(now):
        return WindowState.OPEN
    opens = offering.registration_opens_at
    if offering.status == OfferingStatus.PUBLISHED and opens is not None and now < opens:
        return WindowState.NOT_YET
    return WindowState.CLOSED


@dataclass(frozen=True)
class WeeklySlot:
    weekday: int  # Saturday 0 … Friday 6
    weekday_name: str
    start: dt.time

    @property
    def start_display(self) -> str:
        return localize_digits(self.start.strftime("%H:%M"))


def weekly_slots(offering: Offering) -> list[WeeklySlot]:
    """The offering's weekly pattern as named days and Tehran start times (no query)."""
    try:
        slots = schedule.parse_pattern(offering.weekly_pattern)
    except DomainError:
        return []
    names = dict(weekday_choices())
    return [WeeklySlot(slot.weekday, names[slot.weekday], slot.start) for slot in slots]


def quorum_percent(offering: Offering) -> int:
    """How far the seats taken are towards the quorum, 0–100."""
    if offering.quorum <= 0:
        return 100
    return min(100, round(100 * offering.seats_taken / offering.quorum))


def current_conditions(offering: Offering) -> CourseConditions | None:
    """The newest conditions version, read from the prefetched rows (no query)."""
    return max(offering.course.conditions.all(), key=attrgetter("version"), default=None)


@dataclass(frozen=True)
class OfferingCard:
    """What a catalog card shows about one offering."""

    offering: Offering
    slots: list[WeeklySlot]
    state: str
    quorum_percent: int

    @classmethod
    def of(cls, offering: Offering, now: dt.datetime) -> OfferingCard:
        return cls(
            offering=offering,
            slots=weekly_slots(offering),
            state=registration_state(offering, now),
            quorum_percent=quorum_percent(offering),
        )


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the public schedule: a session (and the session it makes up for), or a
    pattern day with no class, named (P4; issue 9, item 6: a gap is never unexplained)."""

    day: dt.date
    session: Session | None = None
    replaces: int | None = None
    holiday: str = ""


def schedule_rows(offering: Offering, sessions: list[Session]) -> list[ScheduleRow]:
    """The sessions in time order with the skipped closed days between them in their place."""
    numbers = {session.pk: session.number for session in sessions}
    rows = [
        ScheduleRow(
            day=to_tehran(session.starts_at).date(),
            session=session,
            replaces=numbers.get(session.makeup_for_id or 0),
        )
        for session in sessions
    ]
    if not sessions:
        return rows
    days = {row.day for row in rows}
    first, last = min(days), max(days)
    skipped = schedule.skipped_days(
        pattern=offering.weekly_pattern,
        first=first,
        last=last,
        closed=selectors.closed_days(center=offering.center, start=first, end=last),
        held_on={
            row.day for row in rows if row.session and row.session.status != SessionStatus.CANCELLED
        },
    )
    rows += [ScheduleRow(day=day, holiday=name) for day, name in skipped]
    # By day (sorted is stable, so sessions keep their order); a closed day's name before
    # a session cancelled on it.
    return sorted(rows, key=lambda row: (row.day, row.session is not None))


def _guardian_learners(request: HttpRequest) -> list[Learner]:
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.role == Role.GUARDIAN:
        return list(learner_list_for(user=user))
    return []


def _list_url_without(request: HttpRequest, name: str) -> str:
    """The catalog list with the same query string but one filter (and the page) dropped."""
    query = request.GET.copy()
    for key in (name, "page"):
        query.pop(key, None)
    encoded = query.urlencode()
    return reverse("catalog:list") + (f"?{encoded}" if encoded else "")


@require_safe
@cached_for_visitors
def offering_list(request: HttpRequest) -> HttpResponse:
    """The published offerings, filtered by the GET form; a bad field is reported and
    ignored, never a 500 (rule 12)."""
    now = timezone.now()
    form = CatalogFilterForm(
        request.GET or None,
        learners=_guardian_learners(request),
        today=timezone.localdate(now),
    )
    form.is_valid()
    filters = form.filters()
    offerings = selectors.offering_catalog(filters=filters, at=now)
    page = Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [OfferingCard.of(offering, now) for offering in page.object_list]
    found_none = not cards and page.number == 1
    return render(
        request,
        "catalog/public/list.html",
        {
            "form": form,
            "page_obj": page,
            "cards": cards,
            "now": now,
            # "No results" leads somewhere: close titles or tags, and the filters to drop.
            "suggestions": selectors.search_suggestions(query=filters.query)
            if found_none and filters.query
            else [],
            "loosen": [
                (name, label, _list_url_without(request, name))
                for name, label in (form.loosen() if found_none else [])
            ],
        },
    )


@require_safe
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    """One published offering: what it teaches, its terms, and every session (P1)."""
    now = timezone.now()
    offering = selectors.offering_public_detail(offering_id=offering_id)
    sessions = list(offering.sessions.all())
    learners = _guardian_learners(request)
    return render(
        request,
        "catalog/public/detail.html",
        {
            "offering": offering,
            "card": OfferingCard.of(offering, now),
            "schedule_rows": schedule_rows(offering, sessions),
            "session_count": len(sessions),
            "instructors": list(offering.instructors.all()),
            "conditions": current_conditions(offering),
            # A family that joined the waiting list sees its place in line (issue 9, item 5).
            "waiting_places": waiting_places(
                offering_id=offering.pk, learner_ids=[learner.pk for learner in learners]
            )
            if learners
            else [],
        },
    )


def offering_calendar(offering: Offering, *, url: str = "") -> bytes:
    """An iCalendar file with one event per session that will take place (cancelled
    sessions, and every session of a cancelled offering, are left out). UIDs are stable per
    session, so importing the file again updates the events instead of doubling them."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Kargah//Public catalog//FA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", offering.course.title)
    calendar.add("x-wr-timezone", "Asia/Tehran")
    stamp = timezone.now().astimezone(dt.UTC)
    if offering.status != OfferingStatus.CANCELLED:
        for session in offering.sessions.all():
            if session.status == SessionStatus.CANCELLED:
                continue
            event = icalendar.Event()
            event.add("uid", f"session-{session.pk}@kargah")
            event.add("dtstamp", stamp)
            event.add("dtstart", session.starts_at.astimezone(dt.UTC))
            event.add("dtend", session.ends_at.astimezone(dt.UTC))
            event.add(
                "summary",
                _("%(title)s, session %(number)s")
                % {"title": offering.course.title, "number": session.number},
            )
            event.add("location", ICS_LOCATION)
            if url:
                event.add("url", url)
            calendar.add_component(event)
    return calendar.to_ical()


@require_safe
def offering_ics(request: HttpRequest, offering_id: int) -> HttpResponse:
    offering = selectors.offering_public_detail(offering_id=offering_id)
    url = request.build_absolute_uri(reverse("catalog:detail", args=[offering.pk]))
    response = HttpResponse(
        offering_calendar(offering, url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="kargah-offering-{offering.pk}.ics"'
    return response
