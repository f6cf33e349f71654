"""The catalog's staff pages: a center's offerings, building courses and offerings,
publishing, rescheduling, the holiday calendar, the month view and the spreadsheet import.

Only center staff (for their own center) and administrators (for every center) come in;
everyone else signed in gets 403, and an object of another center is 404."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import jdatetime
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kargah.accounts.models import Center, Role, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog import (
    importing,
    selectors,
    services,
    services_lifecycle,
    services_published,
)
from kargah.catalog.forms_staff import (
    CourseForm,
    HolidayForm,
    HolidayMoveForm,
    ImportForm,
    MakeupSlotForm,
    OfferingChangeForm,
    OfferingForm,
    RescheduleForm,
    SessionCancelForm,
    weekday_names,
)
from kargah.catalog.models import (
    CancelCause,
    HolidaySource,
    MakeupProposal,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.catalog.schedule import Plan, parse_pattern
from kargah.catalog.selectors import (
    course_list_for_staff,
    holiday_get_for_staff,
    holiday_list_for_staff,
    session_get_for_staff,
)
from kargah.core.errors import DomainError
from kargah.core.persian import (
    JALALI_MONTHS_EN,
    JALALI_MONTHS_FA,
    JALALI_YEARS,
    TEHRAN,
    format_jalali_date,
    format_jalali_datetime,
    localize_digits,
    to_jalali,
    to_tehran,
)

STAFF_SIGN_IN = "accounts:staff_sign_in"
# Offerings whose sessions are moved one by one (drafts are generated again instead).
RESCHEDULABLE = (
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)


# --- access --------------------------------------------------------------------------------


def _may_manage_catalog(user: User) -> bool:
    if user.is_administrator:
        return True
    return user.role == Role.CENTER_STAFF and user.center_id is not None


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the staff sign-in) and center staff or administrator (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not _may_manage_catalog(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(login_url=STAFF_SIGN_IN)(wrapper)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _error_messages(exc: DomainError) -> list[str]:
    """The message of a refusal, or the full list when the service gave one."""
    listed = exc.extra.get("problems") or exc.extra.get("clashes")
    return [str(item) for item in listed] if listed else [str(exc.message)]


def _refused(form: Any, exc: DomainError) -> None:
    """A service's refusal shown at the top of the form."""
    for message in _error_messages(exc):
        form.add_error(None, message)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _today_jalali() -> jdatetime.date:
    return to_jalali(timezone.now())


def _persian() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


# --- dashboard -----------------------------------------------------------------------------


@dataclass
class DashboardRow:
    offering: Offering
    month_url: str


@staff_page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = []
    for offering in selectors.offering_list_for_staff(user=user).prefetch_related("instructors"):
        first: dt.datetime | None = getattr(offering, "first_session_at", None)
        when = to_jalali(first) if first else _today_jalali()
        rows.append(
            DashboardRow(
                offering=offering,
                month_url=reverse("catalog_staff:month", args=[when.year, when.month]),
            )
        )
    today = _today_jalali()
    return render(
        request,
        "catalog/staff/dashboard.html",
        {
            "rows": rows,
            "courses": course_list_for_staff(user=user).order_by("title"),
            "centers": center_list_for_staff(user=user),
            "today": today,
        },
    )


# --- courses and offerings ---------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CourseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=user, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The course «%(title)s» was created. Now plan an offering of it.")
                % {"title": course.title},
            )
            return redirect(f"{reverse('catalog_staff:offering_create')}?course={course.pk}")
    return render(request, "catalog/staff/course_form.html", {"form": form})


def _preview(form: OfferingForm) -> tuple[Plan | None, str]:
    """The planned sessions of the form's pattern, or the reason there are none."""
    if not form.preview_ready():
        return None, _("Choose the course, the weekdays, the start time and the first date.")
    try:
        return services.offering_preview(offering=form.unsaved_offering()), ""
    except DomainError as exc:
        return None, str(exc.message)


def unconfirmed_plan(form: OfferingForm) -> bool:
    """Whether the planned sessions have warnings (outside the term, on a Friday) that the
    form's "confirm" box has not confirmed; then nothing is saved (item 10)."""
    plan, _problem = _preview(form)
    if plan is None:  # the service refuses it with its own message
        return False
    starts = [start for start, _end in plan.sessions]
    return form.unconfirmed(
        selectors.schedule_warnings(term=form.cleaned_data["term"], starts=starts)
    )


@staff_page
@require_http_methods(["GET", "POST"])
def offering_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {}
    if request.method == "GET" and request.GET.get("course", "").isdigit():
        initial["course"] = int(request.GET["course"])
    form = OfferingForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid() and not unconfirmed_plan(form):
        try:
            offering = services.offering_create(actor=user, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The draft offering was created."))
            return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    return render(request, "catalog/staff/offering_form.html", {"form": form})


@staff_page
@require_POST
def offering_preview(request: HttpRequest) -> HttpResponse:
    """The sessions the form would plan, without saving: a fragment for htmx, or the whole
    form page with the preview when the browser has no JavaScript."""
    form = OfferingForm(request.POST, user=_user(request))
    plan, problem = _preview(form)
    form.keep_preview_errors()
    near = (
        selectors.estimated_holidays_near(
            center=form.unsaved_offering().center, starts=[start for start, _e in plan.sessions]
        )
        if plan is not None
        else []
    )
    context = {
        "form": form, "plan": plan, "preview_problem": problem, "previewed": True,
        "near_estimates": near,
    }  # fmt: skip
    if _is_htmx(request):
        return render(request, "catalog/staff/_offering_preview.html", context)
    return render(request, "catalog/staff/offering_form.html", context)


@dataclass
class TimelineItem:
    """One line of an offering's schedule: a session, or a pattern day skipped as a holiday."""

    day: dt.date
    session: Session | None = None
    holiday: str = ""


def _timeline(offering: Offering, sessions: list[Session]) -> list[TimelineItem]:
    items = [TimelineItem(day=to_tehran(s.starts_at).date(), session=s) for s in sessions]
    try:
        plan = services.offering_preview(offering=offering)
    except DomainError:
        plan = None
    if plan is not None and sessions:
        last = to_tehran(sessions[-1].starts_at).date()
        items += [TimelineItem(day=day, holiday=name) for day, name in plan.skipped if day <= last]
    elif plan is not None:
        items += [TimelineItem(day=day, holiday=name) for day, name in plan.skipped]
    return sorted(items, key=lambda item: (item.day, item.session is not None))


def _pattern_text(offering: Offering) -> list[tuple[str, str]]:
    """(weekday name, start time) of each slot of the weekly pattern."""
    try:
        slots = parse_pattern(offering.weekly_pattern)
    except DomainError:
        return []
    names = weekday_names()
    return [(names[slot.weekday], localize_digits(slot.start.strftime("%H:%M"))) for slot in slots]


@dataclass
class Cancellation:
    """What the staff page shows of a cancelled session: why, and its make-up (P3)."""

    cause: str
    reason: str
    makeup: Session | None
    proposal: MakeupProposal | None
    why: list[str] = field(default_factory=list)


def _why_lines(proposal: MakeupProposal) -> list[str]:
    """The proposal's reasons in sentences: what it passed over, and whom it still clashes."""
    why = proposal.why or {}
    lines = [
        _("%(date)s skipped: %(name)s.")
        % {"date": format_jalali_date(dt.date.fromisoformat(day)), "name": name}
        for day, name in why.get("skipped", [])
    ]
    lines += [
        _("%(when)s passed over: an instructor teaches another class then.")
        % {"when": format_jalali_datetime(dt.datetime.fromisoformat(when))}
        for when in why.get("instructor_busy", [])
    ]
    lines += [
        _("%(when)s passed over: %(count)s learners have another class then.")
        % {
            "when": format_jalali_datetime(dt.datetime.fromisoformat(when)),
            "count": localize_digits(count),
        }
        for when, count in why.get("learners_busy", [])
    ]
    if proposal.learner_clashes:
        lines.append(
            _("%(count)s learners have another class at the proposed time.")
            % {"count": localize_digits(proposal.learner_clashes)}
        )
    else:
        lines.append(_("No learner has another class at the proposed time."))
    return lines


def _cancellations(sessions: list[Session]) -> None:
    """Puts a `cancellation` on each cancelled session, for the page."""
    makeups = {s.makeup_for_id: s for s in sessions if s.makeup_for_id}
    cancelled = [s for s in sessions if s.status == SessionStatus.CANCELLED]
    proposals = {
        p.session_id: p
        for p in MakeupProposal.objects.filter(session__in=[s.pk for s in cancelled])
    }
    for item in cancelled:
        proposal = proposals.get(item.pk)
        item.cancellation = Cancellation(  # type: ignore[attr-defined]
            cause=str(CancelCause(item.cancel_cause).label) if item.cancel_cause else "",
            reason=item.cancel_reason,
            makeup=makeups.get(item.pk),
            proposal=proposal,
            why=_why_lines(proposal) if proposal else [],
        )


@staff_page
@require_GET
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    sessions = list(offering.sessions.select_related("makeup_for").order_by("starts_at", "id"))
    _cancellations(sessions)
    is_draft = offering.status == OfferingStatus.DRAFT
    return render(
        request,
        "catalog/staff/offering_detail.html",
        {
            "offering": offering,
            "timeline": _timeline(offering, sessions),
            "session_count": sum(1 for s in sessions if s.status != SessionStatus.CANCELLED),
            "problems": services.offering_publication_problems(offering) if is_draft else [],
            "is_draft": is_draft,
            "can_reschedule": offering.status in RESCHEDULABLE,
            "can_change": offering.status in services_published.WHILE_TAUGHT,
            "cancel_form": SessionCancelForm(),
            "instructors": list(offering.instructors.all()),
            "pattern": _pattern_text(offering),
            "conditions": services.current_conditions(offering.course),
            "near_estimates": selectors.sessions_near_estimated_holidays(offering=offering),
        },
    )


@staff_page
@require_POST
def offering_publish(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    # P4: a session near an estimated holiday may yet land on it; the page publishes only
    # once staff have said they saw the warning (the service records it either way).
    if not request.POST.get("acknowledge_estimates") and selectors.sessions_near_estimated_holidays(
        offering=offering
    ):
        messages.error(
            request,
            _("Confirm that you have seen the sessions near estimated holidays, then publish."),
        )
        return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    try:
        services.offering_publish(actor=user, offering=offering)
    except DomainError as exc:
        messages.error(request, _("The offering was not published:"))
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The offering is published with its whole schedule."))
    return redirect("catalog_staff:offering_detail", offering_id=offering.pk)


@staff_page
@require_http_methods(["GET", "POST"])
def offering_change(request: HttpRequest, offering_id: int) -> HttpResponse:
    """A published offering's capacity, quorum, window and instructors (issue 11)."""
    user = _user(request)
    offering = selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    if offering.status == OfferingStatus.DRAFT:
        return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    if offering.status not in services_published.WHILE_TAUGHT:
        raise Http404
    form = OfferingChangeForm(request.POST or None, user=user, offering=offering)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services_published.offering_change_published(
                actor=user, offering=offering, **form.service_kwargs()
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The offering was changed; %(told)s families are told by SMS.")
                % {"told": localize_digits(outcome.told)},
            )
            if outcome.offered:
                messages.success(
                    request,
                    _("%(count)s new seats were offered to the waiting list.")
                    % {"count": localize_digits(outcome.offered)},
                )
            return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    return render(
        request, "catalog/staff/offering_change.html", {"form": form, "offering": offering}
    )


def _session_page(
    request: HttpRequest, template: str, form: Any, session: Session, **extra: Any
) -> HttpResponse:
    """A page of one session's form (reschedule, cancel, make-up)."""
    context = {"form": form, "session": session, "offering": session.offering, **extra}
    return render(request, f"catalog/staff/{template}", context)


def _to_session(session: Session) -> HttpResponse:
    """Back to the offering page, at the session."""
    return redirect(
        reverse("catalog_staff:offering_detail", args=[session.offering_id])
        + f"#session-{session.pk}"
    )


@staff_page
@require_http_methods(["GET", "POST"])
def session_reschedule(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = session_get_for_staff(user=user, session_id=session_id)
    start = to_tehran(session.starts_at)
    form = RescheduleForm(
        request.POST or None, initial={"date": start.date(), "time": start.time()}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and not form.unconfirmed(
            selectors.schedule_warnings(term=session.offering.term, starts=[form.starts_at()])
        )
    ):
        try:
            moved = services.session_reschedule(
                actor=user,
                session=session,
                starts_at=form.starts_at(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The session moved to %(when)s; the enrolled families are told by SMS.")
                % {"when": format_jalali_datetime(moved.starts_at)},
            )
            return redirect("catalog_staff:offering_detail", offering_id=session.offering_id)
    return _session_page(request, "session_reschedule.html", form, session)


# --- cancellation by the center and the make-up (P3) -----------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = session_get_for_staff(user=user, session_id=session_id)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_lifecycle.session_cancel(
                actor=user,
                session=session,
                cause=form.cleaned_data["cause"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The session is cancelled and the families are told by SMS. Check its make-up."),
            )
            return _to_session(session)
    return _session_page(request, "session_cancel.html", form, session)


@staff_page
@require_http_methods(["GET", "POST"])
def session_makeup(request: HttpRequest, session_id: int) -> HttpResponse:
    """The make-up of a cancelled session: confirm the proposal, propose again, or choose
    another slot."""
    user = _user(request)
    session = session_get_for_staff(user=user, session_id=session_id)
    form = MakeupSlotForm(request.POST if request.POST.get("choose") else None)
    if request.method == "POST":
        try:
            if request.POST.get("propose"):
                if services_lifecycle.makeup_propose(session=session) is None:
                    messages.warning(request, _("No free slot was found; choose one."))
                return redirect("catalog_staff:session_makeup", session_id=session.pk)
            if request.POST.get("choose"):
                if form.is_valid():
                    makeup = services_lifecycle.makeup_confirm(
                        actor=user, session=session, starts_at=form.starts_at()
                    )
                else:
                    makeup = None
            else:
                makeup = services_lifecycle.makeup_confirm(actor=user, session=session)
        except DomainError as exc:
            _refused(form, exc)
        else:
            if makeup is not None:
                messages.success(
                    request,
                    _("The make-up is on %(when)s; the families are told by SMS.")
                    % {"when": format_jalali_datetime(makeup.starts_at)},
                )
                return _to_session(makeup)
    sessions = [session]
    if session.status == SessionStatus.CANCELLED:
        sessions += list(Session.objects.filter(makeup_for=session))
    _cancellations(sessions)
    return _session_page(
        request,
        "session_makeup.html",
        form,
        session,
        cancellation=getattr(session, "cancellation", None),
    )


# --- holidays ------------------------------------------------------------------------------


def _check_year(jalali_year: int) -> None:
    if not JALALI_YEARS[0] <= jalali_year <= JALALI_YEARS[1]:
        raise Http404


def _holidays_url(jalali_year: int) -> str:
    return reverse("catalog_staff:holidays", args=[jalali_year])


def _tell_moved(request: HttpRequest, moved: list[Session]) -> None:
    if not moved:
        messages.info(request, _("No published session fell on that day."))
        return
    for session in moved:
        messages.warning(
            request,
            _("A session of «%(title)s» moved to %(when)s; its families are told by SMS.")
            % {
                "title": session.offering.course.title,
                "when": format_jalali_datetime(session.starts_at),
            },
        )


@staff_page
@require_GET
def holidays_today(request: HttpRequest) -> HttpResponse:
    return redirect(_holidays_url(_today_jalali().year))


@staff_page
@require_GET
def holidays(request: HttpRequest, jalali_year: int) -> HttpResponse:
    _check_year(jalali_year)
    user = _user(request)
    return _holidays_page(request, user, jalali_year, HolidayForm(user=user))


def _holidays_page(
    request: HttpRequest, user: User, jalali_year: int, form: HolidayForm
) -> HttpResponse:
    rows = holiday_list_for_staff(user=user, jalali_year=jalali_year)
    if not user.is_administrator:
        rows = rows.filter(is_removed=False)
    return render(
        request,
        "catalog/staff/holidays.html",
        {
            "year": jalali_year,
            "holidays": [(row, _may_change_holiday(user, row)) for row in rows],
            "form": form,
            "move_form": HolidayMoveForm(),
        },
    )


def _may_change_holiday(user: User, holiday: Any) -> bool:
    if holiday.is_removed:
        return False
    if holiday.source == HolidaySource.OFFICIAL:
        return user.is_administrator
    return user.is_administrator or holiday.center_id == user.center_id


@staff_page
@require_POST
def holiday_sync(request: HttpRequest, jalali_year: int) -> HttpResponse:
    _check_year(jalali_year)
    user = _user(request)
    if not user.is_administrator:
        raise PermissionDenied
    added = services.holiday_sync_official(jalali_year=jalali_year, actor=user)
    messages.success(
        request,
        _("%(count)s official holidays were added.") % {"count": localize_digits(added)},
    )
    return redirect(_holidays_url(jalali_year))


@staff_page
@require_http_methods(["GET", "POST"])
def holiday_import(request: HttpRequest) -> HttpResponse:
    """An administrator imports a newly published official list (CSV or XLSX)."""
    if not _user(request).is_administrator:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importing.import_official_holidays(
            actor=_user(request), upload=upload, file_name=upload.name or ""
        )
        if result.ok:
            messages.success(
                request,
                _(
                    "The official list was imported: %(added)s holidays added, %(replaced)s "
                    "estimates replaced, %(moved)s sessions moved (families told by SMS)."
                )
                % {
                    "added": localize_digits(result.added),
                    "replaced": localize_digits(result.replaced),
                    "moved": localize_digits(result.moved),
                },
            )
            return redirect("catalog_staff:holidays_today")
    return render(
        request,
        "catalog/staff/holiday_import.html",
        {"form": form, "result": result, "max_rows": importing.MAX_ROWS},
    )


@staff_page
@require_POST
def holiday_add(request: HttpRequest, jalali_year: int) -> HttpResponse:
    _check_year(jalali_year)
    user = _user(request)
    form = HolidayForm(request.POST, user=user)
    if form.is_valid():
        try:
            holiday, moved = services.holiday_add(actor=user, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, _("«%(name)s» was added to the calendar.") % {"name": holiday.name}
            )
            _tell_moved(request, moved)
            return redirect(_holidays_url(holiday.jalali_year))
    return _holidays_page(request, user, jalali_year, form)


@staff_page
@require_POST
def holiday_move(request: HttpRequest, holiday_id: int) -> HttpResponse:
    user = _user(request)
    holiday = holiday_get_for_staff(user=user, holiday_id=holiday_id)
    year = holiday.jalali_year
    form = HolidayMoveForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("date", []):
            messages.error(request, str(message))
        return redirect(_holidays_url(year))
    try:
        holiday, moved = services.holiday_move(
            actor=user, holiday=holiday, date=form.cleaned_data["date"]
        )
    except DomainError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
        return redirect(_holidays_url(year))
    messages.success(request, _("«%(name)s» was moved.") % {"name": holiday.name})
    _tell_moved(request, moved)
    return redirect(_holidays_url(holiday.jalali_year))


@staff_page
@require_POST
def holiday_remove(request: HttpRequest, holiday_id: int) -> HttpResponse:
    user = _user(request)
    holiday = holiday_get_for_staff(user=user, holiday_id=holiday_id)
    try:
        services.holiday_remove(actor=user, holiday=holiday)
    except DomainError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("«%(name)s» was removed.") % {"name": holiday.name})
    return redirect(_holidays_url(holiday.jalali_year))


# --- month view ----------------------------------------------------------------------------


@dataclass
class DayCell:
    date: dt.date
    day: int
    is_friday: bool
    is_today: bool
    holidays: list[str] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)


def _month_bounds(year: int, month: int) -> tuple[jdatetime.date, jdatetime.date]:
    if not (JALALI_YEARS[0] <= year <= JALALI_YEARS[1] and 1 <= month <= 12):
        raise Http404
    first = jdatetime.date(year, month, 1)
    following = (
        jdatetime.date(year + 1, 1, 1) if month == 12 else jdatetime.date(year, month + 1, 1)
    )
    return first, following


def _month_center(request: HttpRequest, user: User) -> Center | None:
    """Center staff see their center; an administrator all centers, or one (?center=)."""
    if not user.is_administrator:
        return user.center
    chosen = request.GET.get("center", "")
    if chosen.isdigit():
        center = center_list_for_staff(user=user).filter(pk=int(chosen)).first()
        if center is None:
            raise Http404
        return center
    return None


def _month_holidays(
    center: Center | None, year: int, start: dt.date, end: dt.date
) -> dict[dt.date, list[str]]:
    """The closed days of the month: of one center, or the national holidays for all."""
    days: dict[dt.date, list[str]] = defaultdict(list)
    if center is not None:
        for day, names in selectors.closed_days(center=center, start=start, end=end).items():
            days[day] = names.split("؛ ")
        return days
    rows = selectors.holidays_in_year(jalali_year=year).filter(
        date__gte=start,
        date__lte=end,
        is_removed=False,
        source=HolidaySource.OFFICIAL,
        province__isnull=True,
    )
    for holiday in rows.order_by("date", "name"):
        days[holiday.date].append(holiday.name)
    return days


@staff_page
@require_GET
def month_today(request: HttpRequest) -> HttpResponse:
    today = _today_jalali()
    return redirect("catalog_staff:month", year=today.year, month=today.month)


@staff_page
@require_GET
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    user = _user(request)
    first, following = _month_bounds(year, month)
    start, end = first.togregorian(), following.togregorian()
    center = _month_center(request, user)
    closed = _month_holidays(center, year, start, end - dt.timedelta(days=1))
    by_day: dict[dt.date, list[Session]] = defaultdict(list)
    sessions = selectors.sessions_in_range(
        center=center,
        start=dt.datetime.combine(start, dt.time.min, tzinfo=TEHRAN),
        end=dt.datetime.combine(end, dt.time.min, tzinfo=TEHRAN),
    )
    for session in sessions:
        by_day[to_tehran(session.starts_at).date()].append(session)
    today = timezone.localdate(timezone=TEHRAN)
    cells: list[DayCell | None] = [None] * first.weekday()  # jdatetime: Saturday is 0
    for offset in range((end - start).days):
        day = start + dt.timedelta(days=offset)
        cells.append(
            DayCell(
                date=day,
                day=offset + 1,
                is_friday=len(cells) % 7 == 6,
                is_today=day == today,
                holidays=closed.get(day, []),
                sessions=by_day.get(day, []),
            )
        )
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    previous = jdatetime.date(year - 1, 12, 1) if month == 1 else jdatetime.date(year, month - 1, 1)
    query = f"?center={center.pk}" if center is not None and user.is_administrator else ""
    months = JALALI_MONTHS_FA if _persian() else JALALI_MONTHS_EN
    return render(
        request,
        "catalog/staff/month.html",
        {
            "year": year,
            "month": month,
            "month_name": months[month - 1],
            "weekdays": [(name, name[:1] if _persian() else name[:2]) for name in weekday_names()],
            "weeks": weeks,
            "agenda": [cell for cell in cells if cell and (cell.holidays or cell.sessions)],
            "center": center,
            "centers": center_list_for_staff(user=user) if user.is_administrator else None,
            "previous_url": _month_url(previous.year, previous.month, query),
            "next_url": _month_url(following.year, following.month, query),
        },
    )


def _month_url(year: int, month: int, query: str) -> str | None:
    if not JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
        return None
    return reverse("catalog_staff:month", args=[year, month]) + query


# --- import --------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def offering_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = importing.import_offerings(actor=user, upload=form.cleaned_data["file"])
        if result.ok:
            messages.success(
                request,
                _("%(count)s offerings were imported as drafts.")
                % {"count": localize_digits(len(result.created))},
            )
            return redirect("catalog_staff:dashboard")
    return render(
        request,
        "catalog/staff/import.html",
        {
            "form": form,
            "result": result,
            "columns": importing.COLUMNS,
            "required_columns": importing.REQUIRED_COLUMNS,
            "max_rows": importing.MAX_ROWS,
        },
    )


@staff_page
@require_GET
def offering_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kargah-offerings.csv"'
    return response
