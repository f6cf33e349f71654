"""The guardian's pages of enrollment: register a child (R2), the family's classes and
schedule with drop and switch while allowed (R4), the waiting list, and the wallet.

Thin: each view parses its input with a form, calls one service or selector and renders.
Only a guardian with a family uses them (anyone else signed in gets 403); another family's
enrollment or waiting-list place is a 404. A refusal of a service is shown in Persian on the
page, never as an error page (rule 12)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kargah.accounts.models import Family, Learner, Role, User
from kargah.accounts.selectors import learner_visible_list_for
from kargah.catalog import selectors as catalog_selectors
from kargah.catalog.models import Offering, Session
from kargah.catalog.views_public import current_conditions, registration_state
from kargah.core.errors import DomainError
from kargah.core.forms import min_transfer_rials
from kargah.documents.selectors import document_needs as document_needs_of
from kargah.enrollment import selectors, services_drop, services_registration, services_waitlist
from kargah.enrollment.forms import RegisterForm, SwitchForm, WaitingListForm
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
)
from kargah.sla.services import registration_start_record
from kargah.wallet.models import RefundStatus
from kargah.wallet.refunds import refund_list_for_guardian
from kargah.wallet.selectors import describe_wallet_entries, wallet_balance, wallet_history

NEXT_SESSIONS = 3
SIMILAR_FOR_SWITCH = 12
HISTORY_PAGE_SIZE = 25


def _guardian(request: HttpRequest) -> tuple[User, Family]:
    """The signed-in guardian and their family; anyone else is refused (403)."""
    user = request.user
    assert isinstance(user, User)
    family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
    if family is None:
        raise PermissionDenied
    return user, family


def _schedule_url() -> str:
    return reverse("enrollment:schedule")


# --- registering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSplit:
    """How the fee will be paid: the wallet first, the rest through the gateway."""

    fee: int
    balance: int

    @property
    def from_wallet(self) -> int:
        return min(self.balance, self.fee)

    @property
    def from_gateway(self) -> int:
        return self.fee - self.from_wallet


def _register_page(
    request: HttpRequest,
    *,
    family: Family,
    offering: Offering,
    learners: list[Learner],
    form: RegisterForm,
    wait_form: WaitingListForm,
    error_code: str = "",
) -> HttpResponse:
    now = timezone.now()
    conditions = current_conditions(offering)
    learner_ids = [learner.pk for learner in learners]
    registered = set(
        Enrollment.objects.filter(
            offering=offering,
            learner_id__in=learner_ids,
            status__in=[*ACTIVE_STATUSES, EnrollmentStatus.COMPLETED],
        ).values_list("learner_id", flat=True)
    )
    waiting_places = selectors.waiting_places(offering_id=offering.pk, learner_ids=learner_ids)
    waiting = {entry.learner_id for entry, _place in waiting_places}
    is_open = offering.registration_is_open(now) and conditions is not None
    # The documents the course asks of each child not yet registered (R1), handed in from
    # this page; the upload brings the family back here (kargah.documents.views.upload).
    document_needs = []
    if is_open and offering.course.required_documents:
        for learner in learners:
            if learner.pk in registered:
                continue
            needs = document_needs_of(learner=learner, course=offering.course)
            if needs:
                back = f"{reverse('enrollment:register', args=[offering.pk])}?learner={learner.pk}"
                document_needs.append(
                    {
                        "learner": learner,
                        "needs": needs,
                        "own": learner.family_id == family.pk,
                        "missing": [need.name for need in needs if need.missing],
                        "back": back,
                    }
                )
    return render(
        request,
        "enrollment/register.html",
        {
            "offering": offering,
            "state": registration_state(offering, now),
            "is_open": is_open,
            "conditions": conditions,
            "learners": learners,
            "registered": registered,
            "waiting": waiting,
            "waiting_places": waiting_places,
            "split": PaymentSplit(
                fee=int(offering.fee_rials or 0), balance=wallet_balance(family=family)
            ),
            "form": form,
            "wait_form": wait_form,
            # The waiting list is offered, alone, when the class looks full or registering
            # was just refused because it is; but a child offered a seat from the list
            # registers for it (that held seat is why the class looks full).
            "offer_waiting_list": is_open
            and not any(
                place is None and entry.family_id == family.pk for entry, place in waiting_places
            )
            and (offering.seats_left == 0 or error_code == "full"),
            "error_code": error_code,
            "document_needs": document_needs,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Register a child of the family for a published offering, accepting its current
    conditions; paid from the wallet, or the rest through the payment gateway."""
    user, family = _guardian(request)
    offering = catalog_selectors.offering_public_detail(offering_id=offering_id)
    # Own children and those linked by an approved link: either guardian registers and pays.
    learners = list(learner_visible_list_for(user=user))
    # ?learner=… chooses the child (the link of a seat offered from the waiting list).
    chosen = request.GET.get("learner", "")
    initial = {"learner": int(chosen)} if chosen.isdigit() and len(chosen) < 19 else {}
    form = RegisterForm(request.POST or None, learners=learners, initial=initial)
    wait_form = WaitingListForm(learners=learners)
    error_code = ""
    if request.method == "POST" and form.is_valid():
        conditions = current_conditions(offering)
        if conditions is not None and form.cleaned_data["conditions_version"] != conditions.version:
            form.add_error(
                None,
                _(
                    "The conditions of this class changed while you were reading them. Read "
                    "the new version below and accept it again."
                ),
            )
        else:
            learner = form.cleaned_data["learner"]
            try:
                result = services_registration.enrollment_create(
                    guardian=user,
                    learner=learner,
                    offering=offering,
                    accept_terms=True,
                    return_url=_schedule_url(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                error_code = exc.code
            else:
                if result.redirect_url:
                    return redirect(result.redirect_url)
                enrollment = result.enrollment
                values = {"name": learner.first_name, "title": offering.course.title}
                if enrollment.status == EnrollmentStatus.AWAITING_APPROVAL:
                    messages.info(
                        request,
                        _(
                            "The fee is paid. %(name)s's place in «%(title)s» is confirmed "
                            "once the center approves the documents."
                        )
                        % values,
                    )
                else:
                    messages.success(request, _("%(name)s is registered in «%(title)s».") % values)
                return redirect("enrollment:schedule")
    if request.method == "GET" and offering.registration_is_open():
        # The family's first click on this class: the registration-time level counts from it.
        registration_start_record(family=family, offering=offering, at=timezone.now())
    return _register_page(
        request,
        family=family,
        offering=offering,
        learners=learners,
        form=form,
        wait_form=wait_form,
        error_code=error_code,
    )


@never_cache
@login_required
@require_POST
def waiting_list_join(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Put a child on the waiting list of a full offering."""
    user, family = _guardian(request)
    offering = catalog_selectors.offering_public_detail(offering_id=offering_id)
    # Own children and those linked by an approved link: either guardian registers and pays.
    learners = list(learner_visible_list_for(user=user))
    wait_form = WaitingListForm(request.POST, learners=learners)
    if wait_form.is_valid():
        learner = wait_form.cleaned_data["learner"]
        try:
            services_waitlist.waiting_list_join(guardian=user, learner=learner, offering=offering)
        except DomainError as exc:
            wait_form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "%(name)s is on the waiting list of «%(title)s». When a seat is free we "
                    "will tell you by SMS."
                )
                % {"name": learner.first_name, "title": offering.course.title},
            )
            return redirect("enrollment:schedule")
    return _register_page(
        request,
        family=family,
        offering=offering,
        learners=learners,
        form=RegisterForm(learners=learners),
        wait_form=wait_form,
        error_code="full",
    )


# --- the family's classes --------------------------------------------------------------------


@dataclass
class EnrollmentRow:
    enrollment: Enrollment
    next_sessions: list[Session]
    sessions_left: int
    # Sessions the center cancelled, with their make-ups (P3): shown until made up.
    cancelled: list[Session]
    can_drop: bool
    can_switch: bool
    deadline: dt.datetime | None
    hold_open: bool
    # The family registered (and paid for) this place; a place the child's other guardian
    # registered is shown without pay, drop or switch (docs/learner-links.md).
    mine: bool = True

    @property
    def is_unpaid(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.AWAITING_PAYMENT


@dataclass
class ChildSchedule:
    learner: Learner
    current: list[EnrollmentRow] = field(default_factory=list)
    past: list[Enrollment] = field(default_factory=list)
    waiting: list[tuple[WaitingListEntry, int]] = field(default_factory=list)


def _family_schedule(user: User) -> list[ChildSchedule]:
    now = timezone.now()
    sessions: dict[tuple[int, int], list[Session]] = defaultdict(list)
    for session in selectors.family_schedule(guardian=user, now=now):
        sessions[(session.learner_id, session.offering_id)].append(  # type: ignore[attr-defined]
            session
        )
    cancelled: dict[tuple[int, int], list[Session]] = defaultdict(list)
    for session in selectors.family_cancelled_sessions(guardian=user, now=now):
        cancelled[(session.learner_id, session.offering_id)].append(  # type: ignore[attr-defined]
            session
        )
    # Linked children (docs/learner-links.md) are shown too; each place can be changed only
    # by the family that registered it.
    children = {
        learner.pk: ChildSchedule(learner=learner)
        for learner in learner_visible_list_for(user=user)
    }
    for enrollment in selectors.enrollments_for_guardian(guardian=user):
        mine = selectors.is_payer(enrollment, user)
        child = children.get(enrollment.learner_id)
        if child is None and mine:
            # A place the family paid for a child whose link was revoked since: still its.
            child = children[enrollment.learner_id] = ChildSchedule(learner=enrollment.learner)
        if child is None:
            continue
        if enrollment.status in (*ACTIVE_STATUSES, EnrollmentStatus.COMPLETED):
            upcoming = sessions.get((enrollment.learner_id, enrollment.offering_id), [])
            unpaid = enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
            child.current.append(
                EnrollmentRow(
                    enrollment=enrollment,
                    next_sessions=upcoming[:NEXT_SESSIONS],
                    sessions_left=len(upcoming),
                    cancelled=cancelled.get((enrollment.learner_id, enrollment.offering_id), []),
                    can_drop=mine and selectors.can_drop(enrollment, now),
                    can_switch=mine and selectors.can_switch(enrollment, now),
                    deadline=selectors.drop_deadline(enrollment.offering),
                    hold_open=mine
                    and unpaid
                    and enrollment.hold_expires_at is not None
                    and enrollment.hold_expires_at > now,
                    mine=mine,
                )
            )
        else:
            child.past.append(enrollment)
    for entry in selectors.waiting_list_for_guardian(guardian=user):
        child = children.get(entry.learner_id)
        if child is not None:
            child.waiting.append((entry, selectors.waiting_list_position(entry=entry)))
    return list(children.values())


@never_cache
@login_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    """Each child's classes: status, the next sessions (Jalali date, weekday, Tehran time),
    and the drop and switch buttons only while R4 allows them."""
    user, family = _guardian(request)
    return render(
        request,
        "enrollment/schedule.html",
        {"children": _family_schedule(user), "balance": wallet_balance(family=family)},
    )


def _enrollment(request: HttpRequest, enrollment_id: int) -> tuple[User, Family, Enrollment]:
    """A place the family registered, to act on (drop, switch, pay); a place of the child's
    other guardian is seen on *My classes* only, and is a 404 here (its money is theirs)."""
    user, family = _guardian(request)
    enrollment = selectors.enrollment_get_for_guardian(guardian=user, enrollment_id=enrollment_id)
    if not selectors.is_payer(enrollment, user):
        raise Http404
    return user, family, enrollment


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def drop(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Drop a class (what was paid goes to the wallet), or give up an unpaid seat; the GET
    is the confirmation step."""
    user, _family, enrollment = _enrollment(request, enrollment_id)
    unpaid = enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
    allowed = unpaid or selectors.can_drop(enrollment)
    if request.method == "POST":
        try:
            dropped = services_drop.enrollment_drop(guardian=user, enrollment=enrollment)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("enrollment:schedule")
        values = {"name": enrollment.learner.first_name, "title": enrollment.offering.course.title}
        if unpaid or not dropped.paid_rials:
            messages.success(
                request, _("The seat of %(name)s in «%(title)s» was given up.") % values
            )
            return redirect("enrollment:schedule")
        messages.success(
            request,
            _("%(name)s left «%(title)s». What you paid for it is in your wallet.") % values,
        )
        return redirect("enrollment:wallet")
    return render(
        request,
        "enrollment/drop_confirm.html",
        {
            "enrollment": enrollment,
            "unpaid": unpaid,
            "allowed": allowed,
            "deadline": selectors.drop_deadline(enrollment.offering),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def switch(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Move a confirmed place to another open class with a free seat (R4); the fee
    difference is settled through the wallet."""
    user, family, enrollment = _enrollment(request, enrollment_id)
    allowed = selectors.can_switch(enrollment)
    offerings = (
        selectors.similar_offerings(
            learner=enrollment.learner, offering=enrollment.offering, limit=SIMILAR_FOR_SWITCH
        )
        if allowed
        else []
    )
    form = SwitchForm(request.POST or None, offerings=offerings)
    shortfall = 0
    if request.method == "POST" and not allowed:
        messages.error(request, _("This class can no longer be switched."))
        return redirect("enrollment:schedule")
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["offering"]
        try:
            new = services_drop.enrollment_switch(
                guardian=user, enrollment=enrollment, offering=target, accept_terms=True
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            shortfall = int(exc.extra.get("shortfall", 0) or 0)
        else:
            messages.success(
                request,
                _("%(name)s moved from «%(old)s» to «%(new)s».")
                % {
                    "name": enrollment.learner.first_name,
                    "old": enrollment.offering.course.title,
                    "new": new.offering.course.title,
                },
            )
            return redirect("enrollment:schedule")
    paid = enrollment.paid_rials
    options = [(offering, int(offering.fee_rials or 0) - paid) for offering in offerings]
    return render(
        request,
        "enrollment/switch.html",
        {
            "enrollment": enrollment,
            "allowed": allowed,
            "deadline": selectors.drop_deadline(enrollment.offering),
            "form": form,
            "options": options,
            "selected": form["offering"].value(),
            "balance": wallet_balance(family=family),
            "shortfall": shortfall,
        },
    )


@never_cache
@login_required
@require_POST
def pay(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Pay for a place still awaiting payment: from the wallet, or the rest at the bank."""
    user, _family, enrollment = _enrollment(request, enrollment_id)
    try:
        result = services_registration.enrollment_pay(
            guardian=user, enrollment=enrollment, return_url=_schedule_url()
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("enrollment:schedule")
    if result.redirect_url:
        return redirect(result.redirect_url)
    messages.success(
        request,
        _("%(name)s is registered in «%(title)s».")
        % {"name": enrollment.learner.first_name, "title": enrollment.offering.course.title},
    )
    return redirect("enrollment:schedule")


@never_cache
@login_required
@require_POST
def waiting_list_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    user, _family = _guardian(request)
    entry = selectors.waiting_list_for_guardian(guardian=user).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    try:
        services_waitlist.waiting_list_leave(guardian=user, entry=entry)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(name)s left the waiting list of «%(title)s».")
            % {"name": entry.learner.first_name, "title": entry.offering.course.title},
        )
    return redirect("enrollment:schedule")


# --- the wallet ------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    """The family's wallet: balance, every movement newest first, adding money through the
    gateway and asking for money back to a bank account."""
    user, family = _guardian(request)
    page = Paginator(wallet_history(family=family), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "balance": wallet_balance(family=family),
        "page_obj": page,
        "entries": describe_wallet_entries(page.object_list),
        "open_refunds": refund_list_for_guardian(guardian=user)
        .filter(status__in=[RefundStatus.REQUESTED, RefundStatus.APPROVED])
        .count(),
        "wallet_url": reverse("enrollment:wallet"),
        "min_top_up": min_transfer_rials(),
    }
    return render(request, "enrollment/wallet.html", context)
