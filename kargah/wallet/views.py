"""Pages of the wallet: a guardian's refund requests to the bank, and finance's refund desk
(approve, reject, payout file, mark paid).

Guardians see only their family's requests (another's is a 404); the finance pages are for
finance staff and administrators (everyone else signed in gets 403)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kargah.accounts.models import Family, Role, User
from kargah.core.errors import DomainError
from kargah.core.http import run_and_tell
from kargah.core.idempotency import IdempotencyKeyReused, idempotent_execute
from kargah.core.persian import to_jalali
from kargah.wallet import refunds
from kargah.wallet.forms import RefundPaidForm, RefundRejectForm, RefundRequestForm
from kargah.wallet.models import RefundStatus
from kargah.wallet.selectors import wallet_balance


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _guardian_family(request: HttpRequest) -> tuple[User, Family]:
    user = _user(request)
    family = Family.objects.filter(guardian=user).first() if user.role == Role.GUARDIAN else None
    if family is None:
        raise PermissionDenied
    return user, family


# --- guardian ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def refund_create(request: HttpRequest) -> HttpResponse:
    """The refund request form (the wallet page links here)."""
    user, family = _guardian_family(request)
    form = RefundRequestForm(request.POST or None, initial={"token": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = data.get("token") or uuid.uuid4().hex

        def run() -> tuple[int, Any]:
            refund = refunds.refund_request(
                guardian=user,
                amount=data["amount"],
                sheba=data["sheba"],
                account_holder=data["account_holder"],
            )
            return 201, {"id": refund.pk}

        try:
            idempotent_execute(
                user=user,
                key=f"refund-form:{token}",
                method="POST",
                path=request.path,
                payload={k: data[k] for k in ("amount", "sheba", "account_holder")},
                run=run,
            )
        except IdempotencyKeyReused:
            messages.info(request, _("This form was already sent; your requests are below."))
            return redirect("wallet:refund_list")
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Your request was received. The amount is held from your wallet until "
                    "finance pays it to your bank account."
                ),
            )
            return redirect("wallet:refund_list")
    return render(
        request,
        "wallet/refund_form.html",
        {"form": form, "balance": wallet_balance(family=family)},
    )


@login_required
@require_GET
def refund_list(request: HttpRequest) -> HttpResponse:
    user, family = _guardian_family(request)
    return render(
        request,
        "wallet/refund_list.html",
        {
            "refunds": refunds.refund_list_for_guardian(guardian=user),
            "balance": wallet_balance(family=family),
        },
    )


@login_required
@require_GET
def refund_detail(request: HttpRequest, refund_id: int) -> HttpResponse:
    user, _family = _guardian_family(request)
    refund = refunds.refund_get_for_guardian(guardian=user, refund_id=refund_id)
    return render(request, "wallet/refund_detail.html", {"refund": refund})


# --- finance -------------------------------------------------------------------------------


def _finance(request: HttpRequest) -> User:
    user = _user(request)
    if not refunds.is_finance(user):
        raise PermissionDenied
    return user


@login_required
@require_GET
def finance_refunds(request: HttpRequest) -> HttpResponse:
    user = _finance(request)
    status = request.GET.get("status", RefundStatus.REQUESTED)
    if status not in {s.value for s in RefundStatus} | {""}:
        status = RefundStatus.REQUESTED
    rows = refunds.refund_list_for_finance(actor=user, status=status or None)
    return render(
        request,
        "wallet/finance_refunds.html",
        {
            "refunds": rows[:500],
            "status": status,
            "statuses": [("", _("All"))] + [(s.value, s.label) for s in RefundStatus],
            "approved_count": refunds.refund_list_for_finance(
                actor=user, status=RefundStatus.APPROVED
            ).count(),
            "reject_form": RefundRejectForm(),
            "paid_form": RefundPaidForm(),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the finance list, with the filter the action was taken from."""
    url = reverse("wallet:finance_refunds")
    status = request.POST.get("back_status")
    if status is not None and status in {s.value for s in RefundStatus} | {""}:
        url += "?" + urlencode({"status": status})
    return redirect(url)


def _decide(request: HttpRequest, action: Callable[[], object], done: str) -> HttpResponse:
    """Runs one finance decision; a refusal is shown in Persian, never a 500."""
    run_and_tell(request, action, done)
    return _back(request)


@login_required
@require_POST
def finance_refund_approve(request: HttpRequest, refund_id: int) -> HttpResponse:
    user = _finance(request)
    refund = refunds.refund_get_for_finance(actor=user, refund_id=refund_id)
    return _decide(
        request,
        lambda: refunds.refund_approve(actor=user, refund=refund),
        _("Request approved; it goes into the next payout file."),
    )


@login_required
@require_POST
def finance_refund_reject(request: HttpRequest, refund_id: int) -> HttpResponse:
    user = _finance(request)
    refund = refunds.refund_get_for_finance(actor=user, refund_id=refund_id)
    form = RefundRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason for the rejection."))
        return _back(request)
    return _decide(
        request,
        lambda: refunds.refund_reject(
            actor=user, refund=refund, reason=form.cleaned_data["reason"]
        ),
        _("Request rejected; the amount is back in the family's wallet."),
    )


@login_required
@require_POST
def finance_refund_paid(request: HttpRequest, refund_id: int) -> HttpResponse:
    user = _finance(request)
    refund = refunds.refund_get_for_finance(actor=user, refund_id=refund_id)
    form = RefundPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the bank's reference (tracking number) of the transfer."))
        return _back(request)
    return _decide(
        request,
        lambda: refunds.refund_mark_paid(
            actor=user, refund=refund, bank_reference=form.cleaned_data["bank_reference"]
        ),
        _("Marked paid; the family was told."),
    )


@login_required
@require_POST
def finance_payout_file(request: HttpRequest) -> HttpResponse:
    """The payout CSV of every approved, unpaid request (a POST: it stamps the batch)."""
    user = _finance(request)
    content = refunds.refunds_payout_file(actor=user)
    day = to_jalali(timezone.now())
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kargah-payouts-{day.year:04d}-{day.month:02d}-{day.day:02d}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
