"""The instructor's desk: today's and the week's sessions, the roster with conduct notes,
the attendance sheet and "report a problem". Phone-first pages, thin over the services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kargah.accounts.models import User
from kargah.catalog.models import SessionStatus
from kargah.core.errors import DomainError
from kargah.core.http import run_and_tell
from kargah.teaching import integration, selectors, services
from kargah.teaching.forms import AttendanceMarkForm, ConductNoteForm, ProblemReportForm

STAFF_SIGN_IN = "accounts:staff_sign_in"


def desk_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as staff (else to the staff sign-in); which rows one sees is the selectors'
    business (a class one does not teach is a 404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, User):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(login_required(login_url=STAFF_SIGN_IN)(wrapper))


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@desk_page
def desk(request: HttpRequest) -> HttpResponse:
    """Today's and this week's sessions with the "start the class" button, and the classes."""
    user = _user(request)
    if not selectors.is_instructor(user):
        raise PermissionDenied
    return render(
        request,
        "teaching/desk.html",
        {
            "day": selectors.desk_sessions(user=user),
            "offerings": selectors.offerings_taught(user=user),
        },
    )


@desk_page
def roster(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = selectors.offering_for_desk(user=user, offering_id=offering_id)
    return render(
        request,
        "teaching/roster.html",
        {
            "offering": offering,
            "rows": selectors.roster(offering=offering),
            "sessions": offering.sessions.order_by("starts_at", "id"),
            "may_write": selectors.teaches(user=user, offering=offering),
        },
    )


@desk_page
@require_POST
def conduct_note_add(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = selectors.offering_for_desk(user=user, offering_id=offering_id)
    form = ConductNoteForm(request.POST)
    roster_url = reverse("teaching:roster", args=[offering.pk])
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect(roster_url)
    learner = get_object_or_404(
        selectors.roster_learners(offering=offering), pk=form.cleaned_data["learner"]
    )
    run_and_tell(
        request,
        lambda: services.conduct_note_add(
            actor=user, offering=offering, learner=learner, text=form.cleaned_data["text"]
        ),
        _("The note was saved; the family sees it."),
    )
    return redirect(f"{roster_url}#learner-{learner.pk}")


@desk_page
def sheet(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = selectors.session_for_desk(user=user, session_id=session_id)
    now = timezone.now()
    return render(
        request,
        "teaching/sheet.html",
        {
            "session": session,
            "rows": selectors.attendance_sheet(session=session),
            "editable": selectors.sheet_editable(user=user, session=session, now=now),
            "deadline": selectors.confirm_deadline(session),
            "started": now >= session.starts_at,
            "join_open": selectors.teaches(user=user, offering=session.offering)
            and integration.join_is_open(session=session, now=now),
            "join_url": integration.join_url(session=session),
            "may_report": selectors.teaches(user=user, offering=session.offering)
            and session.status == SessionStatus.SCHEDULED
            and now < session.ends_at,
            "statuses": AttendanceMarkForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        },
    )


@desk_page
@require_POST
def attendance_mark(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = selectors.session_for_desk(user=user, session_id=session_id)
    form = AttendanceMarkForm(request.POST)
    if form.is_valid():
        learner = get_object_or_404(
            selectors.roster_learners(offering=session.offering), pk=form.cleaned_data["learner"]
        )
        run_and_tell(
            request,
            lambda: services.attendance_mark(
                actor=user, session=session, learner=learner, status=form.cleaned_data["status"]
            ),
            _("Attendance of %(name)s was saved.") % {"name": learner.full_name},
        )
    else:
        messages.error(request, _("Choose present, late, absent or excused."))
    return redirect("teaching:sheet", session_id=session.pk)


@desk_page
@require_http_methods(["GET", "POST"])
def report_problem(request: HttpRequest, session_id: int) -> HttpResponse:
    """A problem with a session (the instructor cannot hold it): the center's cancellation
    with the cause "instructor_report", and a make-up is owed (P3)."""
    user = _user(request)
    session = selectors.session_for_desk(user=user, session_id=session_id)
    if not selectors.teaches(user=user, offering=session.offering):
        raise PermissionDenied
    form = ProblemReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_report_problem(
                actor=user, session=session, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "The session was cancelled; the center arranges its make-up and the families are told."
                ),
            )
            return redirect("teaching:desk")
    return render(request, "teaching/report.html", {"session": session, "form": form})
