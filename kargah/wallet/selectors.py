"""Reads of the wallet: balances (sums of entries) and a family's history in plain words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from kargah.accounts.models import Family
from kargah.core.persian import localize_digits
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
