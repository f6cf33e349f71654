"""Pages of the payments app: the gateway callback, the sandbox bank and the wallet top-up.
Thin: each parses its input, calls one service and answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kargah.accounts.models import Family, Role, User
from kargah.core.errors import DomainError
from kargah.core.forms import min_transfer_rials
from kargah.core.persian import format_money
from kargah.payments import selectors, services
from kargah.payments.forms import TopUpForm
from kargah.payments.gateways import GatewayError, sandbox_enabled
from kargah.payments.gateways.sandbox import sandbox_decide, sandbox_payment_of_guardian
from kargah.payments.models import PaymentPurpose, PaymentStatus, SandboxStatus
from kargah.wallet.selectors import wallet_balance


def _problem(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A Persian page for a callback we could not act on; never a 500."""
    status = 400 if exc.code == "unknown_payment" else exc.http_status
    return render(
        request,
        "payments/callback_problem.html",
        {
            "message": exc.message,
            # When the bank may have taken money we could not confirm yet.
            "may_retry": isinstance(exc, GatewayError) or exc.code == "busy",
        },
        status=status,
    )


@never_cache
@require_GET
def callback(request: HttpRequest, gateway: str) -> HttpResponse:
    """Where the gateway sends the family back: ?Authority=…&Status=OK|NOK (any case).

    Needs no sign-in: a phone may come back from the bank in another browser. The payload
    only says which attempt to ask the gateway about; the answer decides."""
    params: dict[str, str] = {key.lower(): str(value) for key, value in request.GET.items()}
    authority = params.get("authority", "")
    status_ok = params.get("status", "").strip().upper() == "OK"
    try:
        attempt = services.payment_callback(
            gateway=gateway, authority=authority, status_ok=status_ok
        )
    except DomainError as exc:
        return _problem(request, exc)
    amount = format_money(attempt.amount)
    if attempt.status == PaymentStatus.VERIFIED:
        if attempt.purpose == PaymentPurpose.TOP_UP:
            text = _("%(amount)s were added to your wallet. Bank reference: %(ref)s.")
        else:
            text = _("Your payment of %(amount)s was received. Bank reference: %(ref)s.")
        messages.success(request, text % {"amount": amount, "ref": attempt.ref_id or "-"})
        if attempt.notice:
            messages.warning(
                request,
                _("The money is in your wallet, but: %(reason)s") % {"reason": attempt.notice},
            )
    elif attempt.status == PaymentStatus.EXPIRED:
        messages.warning(
            request,
            _(
                "This payment had already expired and nothing was charged for it. If money "
                "was taken from your account, the bank returns it within 72 hours."
            ),
        )
    else:
        messages.error(
            request,
            _(
                "The payment was not completed and nothing was charged. If money was taken "
                "from your account, the bank returns it within 72 hours."
            ),
        )
    target = attempt.return_url if services.is_local_path(attempt.return_url) else "/"
    return redirect(target)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def sandbox_bank(request: HttpRequest, authority: str) -> HttpResponse:
    """The simulated bank's payment page (test mode only): Pay or Cancel. Only for the
    signed-in guardian whose family started the payment; anyone else gets a 404."""
    if not sandbox_enabled():
        raise Http404
    payment = sandbox_payment_of_guardian(authority=authority, user=request.user)
    if payment is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("pay", "cancel"):
            return render(request, "payments/sandbox_bank.html", {"payment": payment}, status=400)
        target = sandbox_decide(authority=authority, pay=action == "pay")
        if target is None:
            raise Http404
        return redirect(target)
    return render(
        request,
        "payments/sandbox_bank.html",
        {"payment": payment, "decided": payment.status != SandboxStatus.PENDING},
    )


def _guardian_family(request: HttpRequest) -> Family | None:
    user = request.user
    assert isinstance(user, User)
    if user.role != Role.GUARDIAN:
        return None
    return Family.objects.filter(guardian=user).first()


@never_cache
@login_required
def wallet_top_up(request: HttpRequest) -> HttpResponse:
    """A guardian adds money to the family's wallet; the form sends them to the gateway."""
    family = _guardian_family(request)
    if family is None:
        messages.error(request, _("Only a guardian can add money to a family wallet."))
        return redirect("core:home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not services.is_local_path(next_url):
        next_url = reverse("payments:top_up")
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        try:
            attempt = services.wallet_top_up_start(
                family=family,
                amount=form.cleaned_data["amount"],
                mobile=user.mobile,
                return_url=next_url,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(attempt.redirect_url)
    return render(
        request,
        "payments/top_up.html",
        {
            "form": form,
            "next": next_url,
            "balance": wallet_balance(family=family),
            "min_amount": min_transfer_rials(),
            "max_amount": services.TOP_UP_MAX_RIALS,
            "attempts": selectors.payment_attempts_of(family=family)[:5],
        },
    )
