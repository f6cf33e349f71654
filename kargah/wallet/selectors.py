"""Reads of the wallet: balances (sums of entries) and a family's history in plain words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from kargah.accounts.models import Family
from kargah.core.persian import TEHRAN, localize_digits
from kargah.wallet.models import AccountKind, LedgerEntry, Rials, TransactionKind


def wallet_balance(*, family: Family) -> Rials:
    total = LedgerEntry.objects.filter(
        account__kind=AccountKind.FAMILY_WALLET, account__family=family
    ).aggregate(s=Sum("amount"))["s"]
    return int(total or 0)


def wallet_history(*, family: Family) -> QuerySet[LedgerEntry]:
    """The family's wallet entries, newest first, with their transactions."""
    return (
        LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET, account__family=family)
        .select_related("transaction")
        .order_by("-transaction__created_at", "-id")
    )


def ledger_is_balanced() -> bool:
    """True when every transaction's entries sum to zero (a check for tests and audits)."""
    return not (
        LedgerEntry.objects.values("transaction").annotate(s=Sum("amount")).exclude(s=0).exists()
    )


# What caused a movement, read from its reference (kargah.wallet.models.LedgerTransaction):
# "enrollment:<id>:<cause>", "payment:<id>", "refund:<id>:<step>".
_ENROLLMENT_REF = re.compile(r"(?:^|:)enrollment:(\d+)(?::|$)")
_PAYMENT_REF = re.compile(r"^payment:(\d+)$")
_REFUND_REF = re.compile(r"^refund:(\d+):")


def course_revenue_by_enrollment(enrollment_ids: Iterable[int]) -> dict[int, Rials]:
    """What each place has brought into course revenue, net of what went back (a drop, a
    cancellation, a switch's difference): the sum of the course revenue entries of the
    transactions whose reference names the place ("enrollment:<id>:<cause>")."""
    ids = sorted(set(enrollment_ids))
    if not ids:
        return {}
    names = Q()
    for pk in ids:
        names |= Q(transaction__reference__startswith=f"enrollment:{pk}:")
    totals = dict.fromkeys(ids, 0)
    for reference, amount in LedgerEntry.objects.filter(
        names, account__kind=AccountKind.COURSE_REVENUE
    ).values_list("transaction__reference", "amount"):
        match = _ENROLLMENT_REF.search(reference)
        if match and int(match.group(1)) in totals:
            totals[int(match.group(1))] += amount
    return totals


def _ids(entries: list[LedgerEntry], pattern: re.Pattern[str]) -> dict[int, int]:
    found = {}
    for entry in entries:
        match = pattern.search(entry.transaction.reference)
        if match:
            found[entry.pk] = int(match.group(1))
    return found


def describe_wallet_entries(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The entries, each with `description`: what it is for the family («ثبت‌نام علی در
    «نقاشی»», «شارژ کیف پول از درگاه بانکی»), never how it was made (no references, memo
    codes, gateway names or the word demo: issue 9). Three queries for any number of rows."""
    rows = list(entries)
    enrollment_ids = _ids(rows, _ENROLLMENT_REF)
    payment_ids = _ids(rows, _PAYMENT_REF)
    enrollment_model = apps.get_model("enrollment", "Enrollment")
    payment_model = apps.get_model("payments", "PaymentAttempt")
    payments = payment_model.objects.in_bulk(set(payment_ids.values()))
    for entry_pk, payment_pk in payment_ids.items():
        attempt = payments.get(payment_pk)
        if attempt is not None and attempt.enrollment_id:
            enrollment_ids[entry_pk] = attempt.enrollment_id
    enrollments = enrollment_model.objects.select_related(
        "learner", "offering__course", "switched_to__offering__course"
    ).in_bulk(set(enrollment_ids.values()))
    refund_ids = _ids(rows, _REFUND_REF)
    for entry in rows:
        entry.description = _describe(
            entry,
            enrollment=enrollments.get(enrollment_ids.get(entry.pk, 0)),
            refund_number=refund_ids.get(entry.pk),
            is_payment=entry.pk in payment_ids,
        )
    return rows


def _describe(
    entry: LedgerEntry, *, enrollment: Any, refund_number: int | None, is_payment: bool
) -> str:
    kind = entry.transaction.kind
    if refund_number is not None:
        number = localize_digits(refund_number)
        if kind == TransactionKind.REFUND_REJECTED:
            return _("Refund request no. %(number)s was not approved: the money is back") % {
                "number": number
            }
        if kind == TransactionKind.REFUND_PAID:
            return _("Refund request no. %(number)s paid to your bank account") % {"number": number}
        return _("Refund to your bank account (request no. %(number)s)") % {"number": number}
    if enrollment is None:
        if kind in (TransactionKind.TOP_UP, TransactionKind.PAYMENT_RECEIVED):
            return _("Wallet top-up through the bank gateway")
        if kind == TransactionKind.COMPENSATION:
            return _("Credit from the center")
        return str(entry.transaction.get_kind_display())
    words = {"name": enrollment.learner.first_name, "title": enrollment.offering.course.title}
    if is_payment or kind == TransactionKind.PAYMENT_RECEIVED:
        return _("Paid at the bank for registering %(name)s in «%(title)s»") % words
    if kind == TransactionKind.ENROLLMENT_PAYMENT:
        return _("Registration of %(name)s in «%(title)s»") % words
    if kind == TransactionKind.DROP_CREDIT:
        return _("Fee back: %(name)s left «%(title)s»") % words
    if kind == TransactionKind.QUORUM_CREDIT:
        return _("Fee back: «%(title)s» was cancelled for too few registrations") % words
    if kind == TransactionKind.HOLD_RELEASED:
        return _("Unpaid place of %(name)s in «%(title)s» released") % words
    if kind == TransactionKind.SWITCH:
        new = enrollment.switched_to
        if new is not None:
            return _("Switch of %(name)s from «%(title)s» to «%(new)s»") % {
                **words,
                "new": new.offering.course.title,
            }
        return _("Switch of %(name)s from «%(title)s»") % words
    return _("%(kind)s: %(name)s, «%(title)s»") % {
        **words,
        "kind": entry.transaction.get_kind_display(),
    }


# --- finance: the ledger by account and period, a family's statement ---------------------------


@dataclass
class AccountPeriod:
    """One account (or every family wallet together) over a period: balance before it, the
    entries in it (oldest first, each with `balance` after it), and the balance at its end.
    All sums of entries (rule 9); nothing is kept."""

    kind: str
    label: str
    opening: Rials
    debits: Rials = (
        0  # money out of the account in the period (negative entries), as a positive sum
    )
    credits: Rials = 0
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def closing(self) -> Rials:
        return self.opening + self.credits - self.debits


def period_bounds(
    start: dt.date | None, end: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Tehran midnights: from the start day's beginning to the day after the end day."""
    low = dt.datetime.combine(start, dt.time(), tzinfo=TEHRAN) if start else None
    high = (
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=TEHRAN) if end else None
    )
    return low, high


def _in_period(
    entries: QuerySet[LedgerEntry], low: dt.datetime | None, high: dt.datetime | None
) -> QuerySet[LedgerEntry]:
    if low is not None:
        entries = entries.filter(transaction__created_at__gte=low)
    if high is not None:
        entries = entries.filter(transaction__created_at__lt=high)
    return entries


def ledger_summary(*, start: dt.date | None, end: dt.date | None) -> list[AccountPeriod]:
    """Each kind of account over the period (family wallets summed together): one query
    for the balances before it and one for the period's movements."""
    low, high = period_bounds(start, end)
    opening: dict[str, int] = {}
    if low is not None:
        opening = dict(
            LedgerEntry.objects.filter(transaction__created_at__lt=low)
            .values_list("account__kind")
            .annotate(s=Sum("amount"))
            .values_list("account__kind", "s")
        )
    moves = {
        kind: (int(out or 0), int(into or 0))
        for kind, out, into in _in_period(LedgerEntry.objects.all(), low, high)
        .values_list("account__kind")
        .annotate(
            out=Sum("amount", filter=Q(amount__lt=0)), into=Sum("amount", filter=Q(amount__gt=0))
        )
        .values_list("account__kind", "out", "into")
    }
    rows = []
    for kind in AccountKind:
        out, into = moves.get(kind.value, (0, 0))
        rows.append(
            AccountPeriod(
                kind=kind.value,
                label=str(kind.label),
                opening=int(opening.get(kind.value) or 0),
                debits=-out,
                credits=into,
            )
        )
    return rows


def _with_running_balance(period: AccountPeriod, entries: QuerySet[LedgerEntry]) -> AccountPeriod:
    balance = period.opening
    rows = list(
        entries.select_related("transaction", "account__family__guardian").order_by(
            "transaction__created_at", "transaction_id", "id"
        )
    )
    for entry in rows:
        balance += entry.amount
        entry.balance = balance
        if entry.amount < 0:
            period.debits -= entry.amount
        else:
            period.credits += entry.amount
    period.entries = rows
    return period


def _account_period(
    entries: QuerySet[LedgerEntry],
    *,
    kind: str,
    label: str,
    start: dt.date | None,
    end: dt.date | None,
) -> AccountPeriod:
    low, high = period_bounds(start, end)
    opening = 0
    if low is not None:
        before = entries.filter(transaction__created_at__lt=low)
        opening = int(before.aggregate(s=Sum("amount"))["s"] or 0)
    period = AccountPeriod(kind=kind, label=label, opening=opening)
    return _with_running_balance(period, _in_period(entries, low, high))


def ledger_account_period(
    *, kind: str, start: dt.date | None, end: dt.date | None
) -> AccountPeriod:
    """One kind of account over the period, with its entries and the running balance."""
    return _account_period(
        LedgerEntry.objects.filter(account__kind=kind),
        kind=kind,
        label=str(AccountKind(kind).label),
        start=start,
        end=end,
    )


def family_statement(
    *, family: Family, start: dt.date | None, end: dt.date | None
) -> AccountPeriod:
    """A family's wallet over the period, each entry in the plain words of the family's own
    wallet page (`describe_wallet_entries`) with the balance after it."""
    period = _account_period(
        LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET, account__family=family),
        kind=AccountKind.FAMILY_WALLET,
        label=str(family),
        start=start,
        end=end,
    )
    describe_wallet_entries(period.entries)
    return period
