"""Reads of the wallet: balances (sums of entries) and a family's history."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from kargah.accounts.models import Family
from kargah.wallet.models import AccountKind, LedgerEntry, Rials


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
