"""Refunds to the bank (P2: "on request, back to the family's bank account").

A guardian asks for wallet money back to a Sheba (IR-IBAN) account; finance approves or
rejects it with a reason, exports the approved ones as a payout file for the bank, and marks
each paid with the bank's reference. Money moves through the ledger at each step, under
references that make every step happen once:

    requested   refund:<id>:requested   family wallet −amount, refunds payable +amount
    rejected    refund:<id>:rejected    refunds payable −amount, family wallet +amount
    paid        refund:<id>:paid        refunds payable −amount, paid out to banks +amount

So from the moment of the request the amount is held (it cannot be spent twice), a
rejection gives it back, and a payment moves it out of the system.

Every state change locks the request's row and re-reads it, checks the transition table
(`models.REFUND_TRANSITIONS`), is idempotent (asking for the state it is already in changes
nothing), and writes an audit row in its transaction. The reads (with their access rules)
are at the end of this module.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from kargah.accounts.models import Family, Role, User
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.forms import min_transfer_rials
from kargah.core.locks import lock_keys
from kargah.core.persian import (
    RIALS_PER_TOMAN,
    format_money,
    to_jalali,
    to_latin_digits,
)
from kargah.core.services import audit_record, snapshot
from kargah.notifications.catalogue import Money, Number
from kargah.notifications.services import notify
from kargah.wallet.models import (
    REFUND_TRANSITIONS,
    Account,
    AccountKind,
    RefundRequest,
    RefundStatus,
    TransactionKind,
)
from kargah.wallet.selectors import wallet_balance
from kargah.wallet.services import InsufficientBalance, family_wallet, ledger_post, system_account

AUDIT_FIELDS = [
    "status",
    "amount",
    "sheba",
    "account_holder",
    "reason",
    "bank_reference",
    "payout_batch",
]
MAX_HOLDER_LENGTH = 150
MAX_REFERENCE_LENGTH = 100

# --- input ---------------------------------------------------------------------------------

_SHEBA_NOISE = re.compile(r"[\s\-_./\u200c\u200d\u200e\u200f\u00a0]+")


def normalize_sheba(value: str) -> str:
    """A Sheba number as stored: "IR" and 24 digits. Accepts Persian, Arabic or Latin digits,
    spaces and dashes, and the number without its "IR". Checked with schwifty (length and
    check digits); anything else is a DomainError with a Persian message."""
    text = _SHEBA_NOISE.sub("", to_latin_digits(value or "")).upper()
    if text.isdigit():
        text = f"IR{text}"
    invalid = DomainError(
        _(
            "This is not a valid Sheba number. It starts with IR followed by 24 digits, "
            "e.g. IR06 2960 0000 0010 0324 2000 01."
        ),
        code="invalid_sheba",
    )
    if not re.fullmatch(r"IR\d{24}", text):
        raise invalid
    try:
        iban = IBAN(text)
    except SchwiftyException:
        raise invalid from None
    if iban.country_code != "IR":
        raise invalid
    return str(iban.compact)


_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_HOLDER_SIGNS = frozenset(" .-'\u200c")


def clean_account_holder(value: str) -> str:
    """The account holder's name: letters (any script), spaces and . - ' only."""
    text = re.sub(r"\s+", " ", (value or "").translate(_LETTERS)).strip()
    if len(text) < 3 or len(text) > MAX_HOLDER_LENGTH:
        raise DomainError(
            _("Enter the account holder's full name, as the bank knows it."),
            code="invalid_account_holder",
        )
    if not all(c.isalpha() or c in _HOLDER_SIGNS for c in text) or not any(
        c.isalpha() for c in text
    ):
        raise DomainError(
            _("The account holder's name may contain letters and spaces only."),
            code="invalid_account_holder",
        )
    return text


def _clean_amount(amount: Any) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise DomainError(_("Enter an amount above zero."), code="invalid_amount")
    # The refund leaves by bank transfer, which has a floor (issue 8: 5 Rials was accepted).
    least = min_transfer_rials()
    if amount < least:
        raise DomainError(
            _("A bank transfer is at least %(amount)s.") % {"amount": format_money(least)},
            code="amount_too_small",
        )
    # Fees and refunds are whole Tomans (issue 9): what the family sees is what leaves, with
    # no tenth of a Toman the site could not show.
    if amount % RIALS_PER_TOMAN:
        raise DomainError(
            _("A refund is a whole number of Toman; leave out the last Rial."),
            code="invalid_amount",
        )
    return amount


# --- access --------------------------------------------------------------------------------


def is_finance(user: Any) -> bool:
    """Finance staff and administrators handle refunds."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_administrator or user.role == Role.FINANCE)
    )


def _require_finance(actor: User) -> None:
    if not is_finance(actor):
        raise NotAllowed(_("Only finance staff can handle refund requests."))


def _family_of(guardian: User) -> Family:
    family = (
        Family.objects.filter(guardian=guardian).first() if guardian.role == Role.GUARDIAN else None
    )
    if family is None:
        raise NotAllowed(_("Only a guardian can ask for a refund from the family's wallet."))
    return family


# --- writes --------------------------------------------------------------------------------


def refund_request(
    *, guardian: User, amount: int, sheba: str, account_holder: str
) -> RefundRequest:
    """The guardian asks for `amount` Rials of the wallet back to a bank account; the amount
    is held at once. Refused (and nothing written) for a bad Sheba or name, or an amount
    above the wallet's balance."""
    family = _family_of(guardian)
    amount = _clean_amount(amount)
    sheba = normalize_sheba(sheba)
    holder = clean_account_holder(account_holder)
    with transaction.atomic():
        lock_keys(("wallet", str(family.pk)))
        balance = wallet_balance(family=family)
        if amount > balance:
            raise InsufficientBalance(
                _("You can ask for at most %(balance)s, the balance of your wallet.")
                % {"balance": format_money(balance)}
            )
        refund = RefundRequest.objects.create(
            family=family,
            amount=amount,
            sheba=sheba,
            account_holder=holder,
            requested_at=timezone.now(),
        )
        ledger_post(
            reference=f"refund:{refund.pk}:requested",
            kind=TransactionKind.REFUND_REQUESTED,
            entries=[
                (family_wallet(family), -amount),
                (system_account(AccountKind.REFUNDS_PAYABLE), amount),
            ],
            memo=f"refund request #{refund.pk}",
            actor=guardian,
        )
        audit_record(
            actor=guardian,
            action="refund.requested",
            obj=refund,
            after=snapshot(refund, AUDIT_FIELDS),
        )
        _tell_guardian(refund, kind="refund_requested", context={"amount": Money(amount)})
    return refund


def _locked(refund: RefundRequest) -> RefundRequest:
    return (
        RefundRequest.objects.select_for_update()
        .select_related("family__guardian")
        .get(pk=refund.pk)
    )


def _check_transition(refund: RefundRequest, target: str) -> None:
    if target not in REFUND_TRANSITIONS[refund.status]:
        raise Conflict(
            _("This request is %(status)s and cannot become %(target)s.")
            % {"status": refund.get_status_display(), "target": RefundStatus(target).label},
            code="refund_state",
        )


def _change_state(
    refund: RefundRequest,
    *,
    actor: User,
    target: str,
    action: str,
    changes: dict[str, Any],
    stamp: tuple[str, str],
    pay_to: Callable[[RefundRequest], Account] | None = None,
    ledger_kind: str = "",
    memo: str = "",
    reason: str = "",
    sms_kind: str = "",
    sms_context: Callable[[RefundRequest], dict[str, Any]] | None = None,
    on_repeat: Callable[[RefundRequest], None] | None = None,
) -> RefundRequest:
    """The step every finance decision shares: lock and re-read the request, return it as it
    is when it is already in `target` (after `on_repeat`, which may refuse), check the
    transition, move the held amount out of refunds payable to the account `pay_to` gives
    for the locked request, under `refund:<id>:<target>`, save `changes`
    with `stamp` (time and actor fields), audit, and tell the guardian by SMS."""
    with transaction.atomic():
        refund = _locked(refund)
        if refund.status == target:
            if on_repeat is not None:
                on_repeat(refund)
            return refund
        _check_transition(refund, target)
        before = snapshot(refund, AUDIT_FIELDS)
        if pay_to is not None:
            payable = system_account(AccountKind.REFUNDS_PAYABLE)
            ledger_post(
                reference=f"refund:{refund.pk}:{target}",
                kind=ledger_kind,
                entries=[
                    (payable, -refund.amount),
                    (pay_to(refund), refund.amount),
                ],
                memo=f"refund request #{refund.pk} {memo}",
                actor=actor,
            )
        refund.status = target
        for field, value in changes.items():
            setattr(refund, field, value)
        at_field, by_field = stamp
        setattr(refund, at_field, timezone.now())
        setattr(refund, by_field, actor)
        refund.save(update_fields=["status", *changes, at_field, by_field])
        audit_record(
            actor=actor,
            action=action,
            obj=refund,
            before=before,
            after=snapshot(refund, AUDIT_FIELDS),
            reason=reason,
        )
        if sms_context is not None:
            _tell_guardian(refund, kind=sms_kind, context=sms_context(refund))
    return refund


def refund_approve(*, actor: User, refund: RefundRequest) -> RefundRequest:
    """Finance approves a request: it goes into the next payout file."""
    _require_finance(actor)
    return _change_state(
        refund,
        actor=actor,
        target=RefundStatus.APPROVED,
        action="refund.approved",
        changes={},
        stamp=("decided_at", "decided_by"),
        sms_kind="refund_approved",
        sms_context=lambda refund: {"number": Number(refund.pk), "amount": Money(refund.amount)},
    )


def refund_reject(*, actor: User, refund: RefundRequest, reason: str) -> RefundRequest:
    """Finance rejects a request (also an approved one the bank could not pay) with a
    reason; the held amount goes back to the wallet and the guardian is told by SMS."""
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write the reason for the rejection."), code="reason_required")

    def context(refund: RefundRequest) -> dict[str, Any]:
        return {"number": Number(refund.pk), "amount": Money(refund.amount), "reason": reason}

    return _change_state(
        refund,
        actor=actor,
        target=RefundStatus.REJECTED,
        action="refund.rejected",
        changes={"reason": reason},
        stamp=("decided_at", "decided_by"),
        pay_to=lambda locked: family_wallet(locked.family),
        ledger_kind=TransactionKind.REFUND_REJECTED,
        memo="rejected",
        reason=reason,
        sms_kind="refund_rejected",
        sms_context=context,
    )


def refund_mark_paid(*, actor: User, refund: RefundRequest, bank_reference: str) -> RefundRequest:
    """Finance records that the bank paid an approved request, with the bank's reference;
    the amount leaves the system (refunds payable → paid out to banks)."""
    _require_finance(actor)
    bank_reference = to_latin_digits(bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > MAX_REFERENCE_LENGTH:
        raise DomainError(
            _("Enter the bank's reference (tracking number) of the transfer."),
            code="reference_required",
        )

    def same_reference(refund: RefundRequest) -> None:
        # Marking paid again is a no-op only with the same reference; another one is a mistake.
        if refund.bank_reference != bank_reference:
            raise Conflict(
                _("This request was already marked paid with the bank reference %(reference)s.")
                % {"reference": refund.bank_reference},
                code="refund_state",
            )

    def context(refund: RefundRequest) -> dict[str, Any]:
        return {
            "amount": Money(refund.amount),
            "number": Number(refund.pk),
            "sheba_end": Number(refund.sheba[-4:]),
            "reference": bank_reference,
        }

    return _change_state(
        refund,
        actor=actor,
        target=RefundStatus.PAID,
        action="refund.paid",
        changes={"bank_reference": bank_reference},
        stamp=("paid_at", "paid_by"),
        pay_to=lambda locked: system_account(AccountKind.BANK_PAYOUTS),
        ledger_kind=TransactionKind.REFUND_PAID,
        memo=f"paid, bank reference {bank_reference}",
        sms_kind="refund_paid",
        sms_context=context,
        on_repeat=same_reference,
    )


def _tell_guardian(refund: RefundRequest, *, kind: str, context: dict[str, Any]) -> None:
    """Each step of a refund request is one event, told once however often it runs."""
    notify(
        user=refund.family.guardian,
        kind=kind,
        context=context,
        event_key=f"refund:{refund.pk}:{kind}",
        link=reverse("wallet:refund_detail", args=[refund.pk]),
    )


# The payout file for the bank: one row per approved, unpaid request. The headers are the
# bank desk's Persian ones; values use Latin digits, which banking software reads.
PAYOUT_HEADERS = ("شماره شبا", "نام صاحب حساب", "مبلغ (ریال)", "شناسه پرداخت", "تاریخ تأیید")


def payout_reference(refund: RefundRequest) -> str:
    """The reference the bank transfer carries, to match the bank's report to a request."""
    return f"KRG{refund.pk:08d}"


def _jalali_latin(value: Any) -> str:
    day = to_jalali(value)
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def _cell(value: str) -> str:
    # A spreadsheet would run a cell that starts with one of these as a formula.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def refunds_payout_file(*, actor: User) -> bytes:
    """The CSV (UTF-8 with a byte-order mark, for Excel) of every approved request not yet
    paid, oldest approval first. The requests are stamped with the file's batch name."""
    _require_finance(actor)
    with transaction.atomic():
        refunds = list(
            RefundRequest.objects.select_for_update()
            .filter(status=RefundStatus.APPROVED)
            .order_by("decided_at", "id")
        )
        now = timezone.now()
        today = to_jalali(now)
        batch = f"P{today.year:04d}{today.month:02d}{today.day:02d}-{secrets.token_hex(3)}"
        for refund in refunds:
            before = snapshot(refund, ["payout_batch"])
            refund.payout_batch = batch
            refund.save(update_fields=["payout_batch"])
            audit_record(
                actor=actor,
                action="refund.exported",
                obj=refund,
                before=before,
                after=snapshot(refund, ["payout_batch"]),
            )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYOUT_HEADERS)
    for refund in refunds:
        writer.writerow(
            [
                refund.sheba,
                _cell(refund.account_holder),
                str(refund.amount),
                payout_reference(refund),
                _jalali_latin(refund.decided_at or refund.requested_at),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- reads ---------------------------------------------------------------------------------


def refund_list_for_guardian(*, guardian: User) -> QuerySet[RefundRequest]:
    """The family's own requests, newest first (none for anyone who is not a guardian)."""
    if guardian.role != Role.GUARDIAN:
        return RefundRequest.objects.none()
    return RefundRequest.objects.filter(family__guardian=guardian)


def refund_get_for_guardian(*, guardian: User, refund_id: int) -> RefundRequest:
    """One of the family's requests, or 404 (never 403: ids say nothing)."""
    refund = refund_list_for_guardian(guardian=guardian).filter(pk=refund_id).first()
    if refund is None:
        raise Http404
    return refund


def refund_list_for_finance(*, actor: User, status: str | None = None) -> QuerySet[RefundRequest]:
    """Every family's requests for finance, filtered by status, the oldest first."""
    _require_finance(actor)
    queryset = RefundRequest.objects.select_related("family__guardian", "decided_by").order_by(
        "requested_at", "id"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def refund_get_for_finance(*, actor: User, refund_id: int) -> RefundRequest:
    refund = refund_list_for_finance(actor=actor).filter(pk=refund_id).first()
    if refund is None:
        raise Http404
    return refund
