"""Writes of the payments app: start a payment, handle the gateway's callback, expire what
was never finished, and the wallet top-up (DOMAIN rules 9 and 12; docs/payments.md).

A callback may arrive twice, late, concurrently or forged; it moves money at most once:
the attempt is found by the gateway's reference (unique per gateway), locked and re-read,
the payment is verified with the gateway server-to-server, and the money is posted to the
ledger under the attempt's own reference in the same transaction that marks it verified.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kargah.accounts.models import Family
from kargah.core.errors import DomainError
from kargah.core.forms import min_transfer_rials
from kargah.core.locks import LOCK_TIMEOUT_MS, Busy
from kargah.core.persian import format_money
from kargah.core.services import audit_record, snapshot
from kargah.notifications.catalogue import Money
from kargah.notifications.services import notify
from kargah.payments.gateways import GatewayError, GatewayVerify, get_gateway
from kargah.payments.models import (
    PAYMENT_TRANSITIONS,
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
)
from kargah.payments.settlement import settlement_for
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

logger = logging.getLogger(__name__)

TOP_UP_MAX_RIALS = 500_000_000
_AUDITED = ["status", "authority", "ref_id", "failure_reason"]


class UnknownPayment(DomainError):
    code = "unknown_payment"


def _set_status(attempt: PaymentAttempt, status: str) -> None:
    if status not in PAYMENT_TRANSITIONS[attempt.status]:
        raise DomainError(
            _("This payment cannot change from “%(old)s” to “%(new)s”.")
            % {
                "old": PaymentStatus(attempt.status).label,
                "new": PaymentStatus(status).label,
            },
            code="bad_transition",
        )
    attempt.status = status


def is_local_path(url: str) -> bool:
    """A path on this site (/wallet/…), never another host: the only kind of return URL."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def _callback_url(gateway_name: str) -> str:
    path = reverse("payments:callback", args=[gateway_name])
    base = str(getattr(settings, "KARGAH_SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def payment_start(
    *,
    family: Family,
    amount: int,
    purpose: str,
    enrollment: Any = None,
    return_url: str = "/",
    description: str = "",
    mobile: str | None = None,
    gateway: str | None = None,
) -> PaymentAttempt:
    """Opens a new payment attempt and registers it with the gateway; `redirect_url` of the
    result is where to send the family to pay.

    The attempt is written before the gateway is asked, so that even a crash in between
    leaves a record; the gateway is called outside any lock. Call it outside a transaction
    where possible: it waits on the gateway over the network. A refusing or silent gateway
    marks the attempt failed and raises a DomainError with a message for the family.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError(_("The amount must be a positive whole number of Rials."))
    if purpose not in PaymentPurpose.values:
        raise ValueError(f"unknown payment purpose {purpose!r}")
    if (purpose == PaymentPurpose.ENROLLMENT) != (enrollment is not None):
        raise ValueError("an enrollment payment names its enrollment, and only it does")
    if not is_local_path(return_url):
        raise ValueError("return_url must be a path on this site")
    provider = get_gateway(gateway)
    with transaction.atomic():
        attempt = PaymentAttempt.objects.create(
            family=family,
            amount=amount,
            purpose=purpose,
            enrollment=enrollment,
            gateway=provider.name,
            expires_at=timezone.now() + dt.timedelta(seconds=settings.KARGAH_PAYMENT_TTL_SECONDS),
            return_url=return_url,
        )
        audit_record(
            actor=None,
            action="payment.started",
            obj=attempt,
            after=snapshot(attempt, ["status", "amount", "purpose", "gateway"]),
        )
    try:
        answer = provider.request(
            amount=amount,
            callback_url=_callback_url(provider.name),
            description=description or _("Kargah payment no. %(id)s") % {"id": attempt.pk},
            mobile=mobile,
        )
    except GatewayError as exc:
        _attempt_fail(attempt_id=attempt.pk, reason=exc.detail)
        raise
    updated = 0
    if answer.authority and len(answer.authority) <= 64:
        try:
            with transaction.atomic():
                updated = PaymentAttempt.objects.filter(
                    pk=attempt.pk, status=PaymentStatus.INITIATED, authority=""
                ).update(authority=answer.authority, redirect_url=answer.redirect_url[:500])
        except IntegrityError:  # the gateway gave out a reference it had given before
            updated = 0
    if not updated:
        reason = "the gateway's reference is empty, too long or already in use"
        _attempt_fail(attempt_id=attempt.pk, reason=reason)
        raise GatewayError(reason)
    attempt.refresh_from_db()
    return attempt


def _attempt_fail(*, attempt_id: int, reason: str) -> None:
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id)
        if attempt.status != PaymentStatus.INITIATED:
            return
        before = snapshot(attempt, _AUDITED)
        _set_status(attempt, PaymentStatus.FAILED)
        attempt.failure_reason = reason[:300]
        attempt.save(update_fields=["status", "failure_reason"])
        audit_record(
            actor=None,
            action="payment.failed",
            obj=attempt,
            before=before,
            after=snapshot(attempt, _AUDITED),
            reason=attempt.failure_reason,
        )


def _locked_attempt(attempt_id: int) -> PaymentAttempt:
    """The attempt, locked until the end of the current transaction and read afresh.

    The one place a payment row is locked. On PostgreSQL a short lock timeout turns a long
    wait (another request is verifying this very payment) into a "busy, try again".
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
    try:
        return PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    except OperationalError as exc:
        if "lock timeout" in str(exc):
            raise Busy(_("The system is busy. Please try again in a moment.")) from None
        raise


def payment_callback(*, gateway: str, authority: str, status_ok: bool) -> PaymentAttempt:
    """Handles the family's return from the gateway. Safe to run twice, late, concurrently
    or with a forged payload: only the gateway's server-side verify can mark an attempt
    paid, and the money moves once (the row lock, and the ledger's unique reference).

    Raises UnknownPayment when no attempt has this gateway reference (a forged or mistyped
    callback), Busy when another request holds the payment, GatewayError when the gateway
    cannot be asked (nothing changes; the callback can be repeated).

    A callback that comes after the attempt expired (or after a "cancelled" one) and that
    the gateway confirms still credits the family's wallet: money really paid never
    vanishes. What it pays for is then the enrollment hook's decision.
    """
    authority = (authority or "").strip()
    found = (
        PaymentAttempt.objects.filter(gateway=gateway, authority=authority)
        .exclude(authority="")
        .values_list("pk", flat=True)
        .first()
        if authority and len(authority) <= 64
        else None
    )
    if found is None:
        logger.warning("payments: callback for an unknown %s payment", gateway[:20])
        raise UnknownPayment(_("This payment is not known to us. No money was moved."))
    with transaction.atomic():
        attempt = _locked_attempt(found)
        if attempt.status == PaymentStatus.VERIFIED:
            return attempt
        if not status_ok:
            if attempt.status == PaymentStatus.INITIATED:
                before = snapshot(attempt, _AUDITED)
                _set_status(attempt, PaymentStatus.FAILED)
                attempt.failure_reason = "cancelled or not paid at the gateway"
                attempt.save(update_fields=["status", "failure_reason"])
                audit_record(
                    actor=None,
                    action="payment.failed",
                    obj=attempt,
                    before=before,
                    after=snapshot(attempt, _AUDITED),
                )
            return attempt
        # Never trust the callback: ask the gateway, for the amount we asked for.
        result = get_gateway(attempt.gateway).verify(
            authority=attempt.authority, amount=attempt.amount
        )
        if not result.ok:
            if attempt.status == PaymentStatus.INITIATED:
                before = snapshot(attempt, _AUDITED)
                _set_status(attempt, PaymentStatus.FAILED)
                attempt.failure_reason = (result.message or "not confirmed by the gateway")[:300]
                attempt.save(update_fields=["status", "failure_reason"])
                audit_record(
                    actor=None,
                    action="payment.failed",
                    obj=attempt,
                    before=before,
                    after=snapshot(attempt, _AUDITED),
                    reason=attempt.failure_reason,
                )
            return attempt
        _attempt_verified(attempt, result)
    return attempt


def _attempt_verified(attempt: PaymentAttempt, result: GatewayVerify) -> None:
    """Credits the money and marks the attempt paid, in the caller's transaction."""
    late = attempt.status != PaymentStatus.INITIATED
    before = snapshot(attempt, _AUDITED)
    ledger_post(
        reference=f"payment:{attempt.pk}",
        kind=TransactionKind.PAYMENT_RECEIVED,
        entries=[
            (system_account(AccountKind.GATEWAY_CLEARING), -attempt.amount),
            (family_wallet(attempt.family), attempt.amount),
        ],
        memo=f"{attempt.gateway} {result.ref_id or attempt.authority}",
    )
    _set_status(attempt, PaymentStatus.VERIFIED)
    attempt.ref_id = (result.ref_id or attempt.ref_id)[:64]
    attempt.verified_at = timezone.now()
    attempt.save(update_fields=["status", "ref_id", "verified_at"])
    audit_record(
        actor=None,
        action="payment.verified",
        obj=attempt,
        before=before,
        after=snapshot(attempt, _AUDITED),
        reason="late callback" if late else "",
    )
    if attempt.purpose == PaymentPurpose.TOP_UP:
        _tell_topped_up(attempt)
    if attempt.purpose != PaymentPurpose.TOP_UP:
        # What the money pays for is the owning app's decision (kargah.payments.settlement).
        settle = settlement_for(attempt.purpose)
        try:
            # A savepoint: if the enrollment refuses (its hold ran out and the class filled
            # up), the money stays credited to the wallet and the attempt stays paid.
            with transaction.atomic():
                settle(attempt=attempt)
        except Busy:
            # Not a refusal but "try again": undo it all, so that the repeated callback
            # (the gateway then answers "already verified") credits and confirms together.
            raise
        except DomainError as exc:
            attempt.notice = str(exc.message)
            logger.info("payments: attempt %s paid, enrollment refused: %s", attempt.pk, exc.code)


def _tell_topped_up(attempt: PaymentAttempt) -> None:
    """Every change a family makes is confirmed by a message (issue 8, item 6)."""
    notify(
        user=attempt.family.guardian,
        kind="wallet_topped_up",
        context={"amount": Money(attempt.amount)},
        event_key=f"payment:{attempt.pk}:topped-up",
        link=reverse("wallet:refund_create"),
    )


def payments_expire(*, now: dt.datetime | None = None) -> int:
    """Closes the attempts still waiting for the bank after their time ran out; returns how
    many. Each is locked and re-read, so running twice (or next to a callback) is safe; a row
    a callback is working on right now is skipped and left to it."""
    now = now or timezone.now()
    due = list(
        PaymentAttempt.objects.filter(status=PaymentStatus.INITIATED, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for attempt_id in due:
        with transaction.atomic():
            attempt = (
                PaymentAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt_id, status=PaymentStatus.INITIATED, expires_at__lte=now)
                .first()
            )
            if attempt is None:
                continue
            before = snapshot(attempt, _AUDITED)
            _set_status(attempt, PaymentStatus.EXPIRED)
            attempt.save(update_fields=["status"])
            audit_record(
                actor=None,
                action="payment.expired",
                obj=attempt,
                before=before,
                after=snapshot(attempt, _AUDITED),
            )
            expired += 1
    return expired


def wallet_top_up_start(
    *, family: Family, amount: int, mobile: str | None, return_url: str = "/"
) -> PaymentAttempt:
    """A guardian adds money to the family's wallet through the gateway."""
    if amount < min_transfer_rials():
        raise DomainError(
            _("The least you can add is %(amount)s.")
            % {"amount": format_money(min_transfer_rials())},
            code="amount_too_small",
        )
    if amount > TOP_UP_MAX_RIALS:
        raise DomainError(
            _("The most you can add at once is %(amount)s.")
            % {"amount": format_money(TOP_UP_MAX_RIALS)},
            code="amount_too_large",
        )
    return payment_start(
        family=family,
        amount=amount,
        purpose=PaymentPurpose.TOP_UP,
        return_url=return_url,
        description=_("Kargah wallet top-up"),
        mobile=mobile,
    )
