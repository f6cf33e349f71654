"""Public catalog pages: the filtered list, one offering with its whole schedule (P1), and
the offering's sessions as an iCalendar file. Views only parse input and call selectors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from operator import attrgetter
from urllib.parse import urljoin

import icalendar
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kargah.accounts.models import Learner, Role, User
from kargah.accounts.selectors import learner_list_for
from kargah.catalog import schedule, selectors
from kargah.catalog.cache import cached_for_visitors, cached_part
from kargah.catalog.family import FamilyPlaces, family_part
from kargah.catalog.forms_public import CatalogFilterForm, FamilyChildForm, weekday_choices
from kargah.catalog.models import (
    CourseConditions,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.classroom import selectors as classroom_selectors
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


def join_words(words: list[str]) -> str:
    """«شنبه، دوشنبه و چهارشنبه»: commas between, «و» (and) before the last."""
    if len(words) < 2:
        return "".join(words)
    return _("%(rest)s and %(last)s") % {"rest": _(", ").join(words[:-1]), "last": words[-1]}


@dataclass(frozen=True)
class WeeklyTimes:
    """Days that meet at one time, for a card: «شنبه و دوشنبه», «۱۶:۰۰–۱۷:۳۰»."""

    days: str
    hours: str


def weekly_times(slots: list[WeeklySlot], minutes: int) -> list[WeeklyTimes]:
    """The pattern grouped by start time (usually one group), each with its end time."""
    by_start: dict[dt.time, list[WeeklySlot]] = {}
    for slot in sorted(slots, key=attrgetter("weekday")):
        by_start.setdefault(slot.start, []).append(slot)
    groups = []
    for start, same in by_start.items():
        end = (
            dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=minutes)
        ).time()
        hours = localize_digits(f"{start:%H:%M}\u2013{end:%H:%M}")
        groups.append(WeeklyTimes(join_words([slot.weekday_name for slot in same]), hours))
    return groups


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
    times: list[WeeklyTimes]
    state: str
    quorum_percent: int

    @classmethod
    def of(cls, offering: Offering, now: dt.datetime) -> OfferingCard:
        slots = weekly_slots(offering)
        return cls(
            offering=offering,
            slots=slots,
            times=weekly_times(slots, offering.course.session_minutes),
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


def _family_part(request: HttpRequest) -> tuple[list[Learner], dict[int, FamilyPlaces]]:
    """A signed-in guardian's children and their places; nothing for anyone else."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.role == Role.GUARDIAN:
        return family_part(user=user)
    return [], {}


@dataclass(frozen=True)
class SharedList:
    """The part of a catalog page that is the same for every family with the same query
    (and child's age): the filter fields but "for my child", the count, the cards (each
    with a marker where a family's places go) and the pages. It is cached by catalog
    version, language and query, so it holds nothing of one family's."""

    search_html: str
    fields_html: str
    results_html: str
    has_errors: bool
    is_filtered: bool


FAMILY_MARKER = re.compile(r"<!--family-places:(\d+)-->")


def _shared_list(query: QueryDict, *, age: int | None, now: dt.datetime) -> SharedList:
    """Renders the shared part; a bad field is reported and ignored, never a 500 (rule
    12). The form is built without the family's children, whose filter comes as an age."""
    filter_form = CatalogFilterForm(query or None, today=timezone.localdate(now))
    filter_form.is_valid()
    filters = dataclasses.replace(filter_form.filters(), age=age)
    offerings = selectors.offering_catalog(filters=filters, at=now)
    page = Paginator(offerings, PAGE_SIZE).get_page(query.get("page"))
    cards = [OfferingCard.of(offering, now) for offering in page.object_list]
    found_none = not cards and page.number == 1
    loosen = filter_form.loosen() if found_none else []
    if found_none and age is not None:
        loosen.append(("child", str(FamilyChildForm.base_fields["child"].label)))
    context = {
        "filter_form": filter_form,
        "page_obj": page,
        "cards": cards,
        "query": query,
        # "No results" leads somewhere: close titles or tags, and the filters to drop; both
        # follow from the query alone, so they belong to the shared part.
        "suggestions": selectors.search_suggestions(query=filters.query)
        if found_none and filters.query
        else [],
        "loosen": [(name, label, _list_url_without(query, name)) for name, label in loosen],
    }
    return SharedList(
        search_html=render_to_string("catalog/public/_list_search.html", context),
        fields_html=render_to_string("catalog/public/_list_fields.html", context),
        results_html=render_to_string("catalog/public/_list_results.html", context),
        has_errors=bool(filter_form.errors),
        is_filtered=filter_form.is_filtered,
    )


def _with_family_places(html: str, places: dict[int, FamilyPlaces]) -> SafeString:
    """The shared results with each card's marker replaced by the family's places there
    (or nothing): a family's part is added per request, never stored."""

    def fill(match: re.Match[str]) -> str:
        place = places.get(int(match.group(1)))
        if place is None:
            return ""
        return render_to_string("catalog/public/_family_places.html", {"place": place})

    return mark_safe(FAMILY_MARKER.sub(fill, html))  # noqa: S308 - rendered templates only


def _list_url_without(given: QueryDict, name: str) -> str:
    """The catalog list with the same query string but one filter (and the page) dropped."""
    query = given.copy()
    for key in (name, "page"):
        query.pop(key, None)
    encoded = query.urlencode()
    return reverse("catalog:list") + (f"?{encoded}" if encoded else "")


@require_safe
@cached_for_visitors
def offering_list(request: HttpRequest) -> HttpResponse:
    """The published offerings, filtered by the GET form. The shared part comes from the
    cache (`cached_part`); only the family's own part, its children as a filter and its
    places on the cards, is rendered for each request (issue 9, item 8)."""
    now = timezone.now()
    today = timezone.localdate(now)
    learners, places = _family_part(request)
    child_form = FamilyChildForm(request.GET or None, learners=learners, today=today)
    age = child_form.age
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    shared = cached_part("list", (query, age), lambda: _shared_list(request.GET, age=age, now=now))
    has_errors = shared.has_errors or bool(learners and child_form.errors)
    return render(
        request,
        "catalog/public/list.html",
        {
            "shared": shared,
            "results_html": _with_family_places(shared.results_html, places),
            "child_field": child_form["child"] if learners else None,
            "has_errors": has_errors,
            "is_filtered": shared.is_filtered
            or (bool(learners) and bool(request.GET.get("child"))),
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
            # The live class (issue 10): join buttons within the window and recordings,
            # from the database only (a classroom that is down costs this page nothing).
            "join_buttons": classroom_selectors.join_buttons(
                user=request.user, offering=offering, sessions=sessions, now=now
            ),
            "recordings": classroom_selectors.recordings_visible(
                user=request.user, offering=offering
            ),
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
                # The join page (no secret in it): it checks the person at click time.
                event.add("url", urljoin(url, reverse("classroom:join", args=[session.pk])))
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
