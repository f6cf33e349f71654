"""Pages of the accounts app: sign-in (code for guardians, password for staff) and the family."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kargah.accounts import selectors, services
from kargah.accounts.forms import CodeForm, LearnerForm, MobileForm
from kargah.accounts.models import LearnerLink, Role, User
from kargah.core.errors import DomainError
from kargah.core.http import client_ip
from kargah.core.persian import mobile_for_display
from kargah.devicecheck.selectors import device_checks_for_learners

SESSION_MOBILE = "kargah_sign_in_mobile"
SESSION_NEXT = "kargah_sign_in_next"


def _safe_next(request: HttpRequest, target: str | None) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return None


def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the guardian types a mobile number and gets a code by SMS."""
    if request.user.is_authenticated:
        return redirect("accounts:family")
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            services.otp_request(mobile=mobile, ip=client_ip(request))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            request.session[SESSION_MOBILE] = mobile
            next_url = _safe_next(request, request.GET.get("next"))
            if next_url:
                request.session[SESSION_NEXT] = next_url
            return redirect("accounts:sign_in_verify")
    return render(request, "accounts/sign_in.html", {"form": form})


def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the guardian types the six-digit code."""
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile:
        return redirect("accounts:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.otp_verify(mobile=mobile, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            next_url = request.session.pop(SESSION_NEXT, None)
            request.session.pop(SESSION_MOBILE, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! You are signed in."))
            return redirect(next_url or "accounts:family")
    return render(
        request,
        "accounts/sign_in_verify.html",
        {"form": form, "mobile": mobile_for_display(mobile)},
    )


@require_POST
def sign_in_resend(request: HttpRequest) -> HttpResponse:
    mobile = request.session.get(SESSION_MOBILE)
    if not mobile:
        return redirect("accounts:sign_in")
    try:
        services.otp_request(mobile=mobile, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A new code was sent."))
    return redirect("accounts:sign_in_verify")


class StaffSignInView(auth_views.LoginView):
    template_name = "accounts/staff_sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # An instructor's work is on the desk; everyone else starts at the home page.
        if getattr(self.request.user, "role", None) == Role.INSTRUCTOR:
            return reverse("teaching:desk")
        return super().get_default_redirect_url()


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


def _guardian_or_redirect(request: HttpRequest) -> User | None:
    user = request.user
    assert isinstance(user, User)
    return user if user.role == Role.GUARDIAN else None


@login_required
def family(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.role != Role.GUARDIAN:
        return render(request, "accounts/family.html", {"learners": []})
    learners = list(selectors.learner_list_for(user=user))
    links: dict[int, list[LearnerLink]] = {}
    for link in selectors.learner_links_of_owner(user=user):
        links.setdefault(link.learner_id, []).append(link)
    linked = list(selectors.learners_linked_to(user=user))
    # Each child's last device check (R5, R8-R10), for its card: one query for all.
    checks = device_checks_for_learners(learner.pk for learner in [*learners, *linked])
    for learner in [*learners, *linked]:
        learner.device_check = checks.get(learner.pk)  # type: ignore[attr-defined]
    for learner in learners:
        learner.open_links = links.get(learner.pk, [])  # type: ignore[attr-defined]
    return render(request, "accounts/family.html", {"learners": learners, "linked": linked})


@login_required
def learner_add(request: HttpRequest) -> HttpResponse:
    guardian = _guardian_or_redirect(request)
    if guardian is None:
        messages.error(request, _("Only a guardian can add or edit children."))
        return redirect("core:home")
    form = LearnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.learner_add(guardian=guardian, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            # The neutral answer is an "info", not a "success": nothing may have happened.
            if added.learner is None:
                messages.info(request, added.message)
            else:
                messages.success(request, added.message)
            return redirect("accounts:family")
    return render(request, "accounts/learner_form.html", {"form": form, "learner": None})


@login_required
def learner_edit(request: HttpRequest, learner_id: int) -> HttpResponse:
    guardian = _guardian_or_redirect(request)
    if guardian is None:
        messages.error(request, _("Only a guardian can add or edit children."))
        return redirect("core:home")
    learner = selectors.learner_get_for(user=guardian, learner_id=learner_id)
    form = LearnerForm(request.POST or None, initial=LearnerForm.initial_for(learner))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("data_confirmed")
        try:
            services.learner_update(
                guardian=guardian, learner=learner, data_confirmed=confirmed, **data
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The information was saved."))
            return redirect("accounts:family")
    return render(request, "accounts/learner_form.html", {"form": form, "learner": learner})


# --- one child, two guardians: the owner's and the center's decisions ------------------------


def _decide(request: HttpRequest, link: LearnerLink, action: str) -> None:
    user = request.user
    assert isinstance(user, User)
    service = services.LINK_DECISIONS.get(action)
    if service is None:
        raise Http404
    try:
        service(actor=user, link=link)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            {
                "approve": _("The request was approved."),
                "reject": _("The request was rejected."),
                "revoke": _("The link was ended."),
            }[action],
        )


@login_required
@require_POST
def learner_link_decide(request: HttpRequest, link_id: int, action: str) -> HttpResponse:
    """The owner guardian approves, rejects or revokes a link on a child of the family."""
    user = request.user
    assert isinstance(user, User)
    link = selectors.learner_links_of_owner(user=user).filter(pk=link_id).first()
    if link is None:
        raise Http404
    _decide(request, link, action)
    return redirect("accounts:family")


def _link_staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not (user.is_administrator or (user.role == Role.CENTER_STAFF and user.center_id)):
        raise PermissionDenied
    return user


@login_required
def staff_link_requests(request: HttpRequest) -> HttpResponse:
    """The center's pending requests of a second guardian, to approve or reject."""
    user = _link_staff(request)
    pending = selectors.learner_links_for_staff(user=user).filter(status="requested")
    return render(
        request,
        "accounts/staff_link_requests.html",
        {"links": pending[:200]},
    )


@login_required
@require_POST
def staff_link_decide(request: HttpRequest, link_id: int, action: str) -> HttpResponse:
    user = _link_staff(request)
    link = selectors.learner_links_for_staff(user=user).filter(pk=link_id).first()
    if link is None:
        raise Http404
    _decide(request, link, action)
    return redirect("accounts:staff_link_requests")
