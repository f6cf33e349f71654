"""The sandbox gateway: a simulated bank inside Kargah, clearly marked as test mode, for the
demo and the tests. It behaves like Zarinpal where it matters: the family is sent to a bank
page, comes back to the callback with ?Authority=…&Status=OK|NOK, and only a server-side
verify says whether the money was paid; a second verify answers "already verified"."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kargah.payments.gateways import GatewayRequest, GatewayVerify
from kargah.payments.models import PaymentAttempt, SandboxPayment, SandboxStatus


def _parse(authority: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(authority))
    except ValueError:
        return None


def sandbox_payment_get(authority: str) -> SandboxPayment | None:
    key = _parse(authority)
    return SandboxPayment.objects.filter(authority=key).first() if key else None


def sandbox_payment_of_guardian(*, authority: str, user: Any) -> SandboxPayment | None:
    """The sandbox payment, only for the guardian whose family's attempt it pays: its page
    would otherwise let anyone with the address "pay" the top-up and mint wallet credit
    (issue 8, finding 2). None for anyone else, as for an unknown payment."""
    payment = sandbox_payment_get(authority)
    if payment is None or not getattr(user, "is_authenticated", False):
        return None
    owned = PaymentAttempt.objects.filter(
        gateway=SandboxGateway.name, authority=str(payment.authority), family__guardian=user
    ).exists()
    return payment if owned else None


def _return_url(payment: SandboxPayment) -> str:
    """The callback address with the bank's answer appended, as a real bank does."""
    status = "OK" if payment.status == SandboxStatus.PAID else "NOK"
    parts = urlsplit(payment.callback_url)
    query = "&".join(
        q for q in (parts.query, urlencode({"Authority": str(payment.authority), "Status": status}))
        if q
    )  # fmt: skip
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def sandbox_decide(*, authority: str, pay: bool) -> str | None:
    """The family presses Pay or Cancel on the sandbox bank page. Returns where the bank
    sends the browser (the callback), or None for an unknown payment. A payment decided
    once stays decided (pressing again, or the other button, only repeats the answer)."""
    key = _parse(authority)
    if key is None:
        return None
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(authority=key).first()
        if payment is None:
            return None
        if payment.status == SandboxStatus.PENDING:
            if pay:
                payment.status = SandboxStatus.PAID
                payment.ref_id = str(secrets.randbelow(9 * 10**9) + 10**9)
            else:
                payment.status = SandboxStatus.CANCELLED
            payment.save(update_fields=["status", "ref_id"])
    return _return_url(payment)


class SandboxGateway:
    name = "sandbox"

    def request(
        self, *, amount: int, callback_url: str, description: str, mobile: str | None
    ) -> GatewayRequest:
        payment = SandboxPayment.objects.create(
            amount=amount, description=description[:300], callback_url=callback_url
        )
        authority = str(payment.authority)
        return GatewayRequest(
            authority=authority,
            redirect_url=reverse("payments:sandbox_bank", args=[authority]),
        )

    def verify(self, *, authority: str, amount: int) -> GatewayVerify:
        key = _parse(authority)
        if key is None:
            return GatewayVerify(ok=False, message="unknown authority")
        with transaction.atomic():
            payment = SandboxPayment.objects.select_for_update().filter(authority=key).first()
            if payment is None:
                return GatewayVerify(ok=False, message="unknown authority")
            if payment.status != SandboxStatus.PAID:
                return GatewayVerify(ok=False, message=f"not paid ({payment.status})")
            if payment.amount != amount:
                # Zarinpal answers -50 here: the amount asked about is not the amount paid.
                return GatewayVerify(ok=False, message="amount does not match the payment")
            if payment.verified_at is not None:
                return GatewayVerify(
                    ok=True, ref_id=payment.ref_id, already_verified=True, message="verified"
                )
            payment.verified_at = timezone.now()
            payment.save(update_fields=["verified_at"])
        return GatewayVerify(ok=True, ref_id=payment.ref_id, message="paid")
