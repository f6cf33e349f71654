"""Writes of the wallet: posting balanced ledger transactions (DOMAIN rules 8 and 9)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from kargah.accounts.models import Family, User
from kargah.core.errors import DomainError
from kargah.core.locks import lock_keys
from kargah.wallet.models import (
    Account,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    Rials,
)


class InsufficientBalance(DomainError):
    http_status = 409
    code = "insufficient_balance"


def family_wallet(family: Family) -> Account:
    account, _created = Account.objects.get_or_create(kind=AccountKind.FAMILY_WALLET, family=family)
    return account


def system_account(kind: AccountKind) -> Account:
    if kind == AccountKind.FAMILY_WALLET:
        raise ValueError("a family wallet belongs to a family")
    account, _created = Account.objects.get_or_create(kind=kind, family=None)
    return account


def wallet_and_system_account(family: Family, kind: AccountKind) -> tuple[Account, Account, Rials]:
    """The family's wallet, its balance and one system account (each created when missing):
    the two accounts in one plain read, the balance summed over the wallet's entries alone
    (a system account's entries grow with every payment ever made). For a payment from the
    wallet under the family's wallet lock, where the balance read here is the one the
    payment may spend."""
    if kind == AccountKind.FAMILY_WALLET:
        raise ValueError("a family wallet belongs to a family")
    wallet: Account | None = None
    system: Account | None = None
    for account in Account.objects.filter(
        Q(kind=AccountKind.FAMILY_WALLET, family=family) | Q(kind=kind, family__isnull=True)
    ):
        if account.kind == AccountKind.FAMILY_WALLET:
            wallet = account
        else:
            system = account
    wallet = wallet or family_wallet(family)
    return wallet, system or system_account(kind), _balance(wallet)


def _balance(account: Account) -> Rials:
    return int(LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)


def ledger_post(
    *,
    reference: str,
    kind: str,
    entries: Sequence[tuple[Account, Rials]],
    memo: str = "",
    actor: User | None = None,
) -> LedgerTransaction:
    """Posts one balanced transaction, or returns the one already posted under `reference`
    (so a callback, job or request that runs twice moves money once).

    Entries sum to zero; a family wallet is debited only as far as its balance goes, checked
    under the family's wallet lock so that concurrent spending cannot overdraw it. On
    PostgreSQL the database refuses an unbalanced transaction and a negative wallet too.
    """
    _check_entries(entries)
    with transaction.atomic():
        existing = LedgerTransaction.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        debited = sorted(
            {
                acc.family_id
                for acc, amount in entries
                if amount < 0 and acc.kind == AccountKind.FAMILY_WALLET and acc.family_id
            }
        )
        lock_keys(("ledger-reference", reference), *[("wallet", str(fid)) for fid in debited])
        existing = LedgerTransaction.objects.filter(reference=reference).first()
        if existing is not None:  # posted by a concurrent caller while we waited
            return existing
        for account, amount in entries:
            if amount < 0 and account.kind == AccountKind.FAMILY_WALLET:
                owed = -sum(a for acc, a in entries if acc.pk == account.pk)
                if owed > 0 and _balance(account) < owed:
                    raise InsufficientBalance(_("The wallet balance is not enough."))
        try:
            with transaction.atomic():
                txn = _insert(
                    reference=reference, kind=kind, entries=entries, memo=memo, actor=actor
                )
        except IntegrityError:
            existing = LedgerTransaction.objects.filter(reference=reference).first()
            if existing is None:
                raise
            return existing
    return txn


def ledger_post_new(
    *,
    reference: str,
    kind: str,
    entries: Sequence[tuple[Account, Rials]],
    memo: str = "",
    actor: User | None = None,
) -> LedgerTransaction:
    """Posts one balanced transaction in two inserts, for a caller that already holds the
    wallet locks of the families it debits, has read their balances under those locks and
    names in `reference` a row it created in this same transaction (so nothing can have
    been posted under it). A registration paid from the wallet is one: `ledger_post` would
    look the reference up twice, lock again and sum the balance again. The unique reference
    and, on PostgreSQL, the deferred balance triggers remain the database's backstop."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post_new must run inside the caller's locked transaction")
    _check_entries(entries)
    return _insert(reference=reference, kind=kind, entries=entries, memo=memo, actor=actor)


def _check_entries(entries: Sequence[tuple[Account, Rials]]) -> None:
    if len(entries) < 2 or any(not isinstance(a, int) or a == 0 for _acc, a in entries):
        raise ValueError("a transaction has two or more non-zero whole-Rial entries")
    if sum(amount for _acc, amount in entries) != 0:
        raise ValueError("ledger entries must sum to zero")


def _insert(
    *,
    reference: str,
    kind: str,
    entries: Sequence[tuple[Account, Rials]],
    memo: str,
    actor: User | None,
) -> LedgerTransaction:
    txn = LedgerTransaction.objects.create(
        reference=reference, kind=kind, memo=memo[:300], actor=actor
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(transaction=txn, account=account, amount=amount) for account, amount in entries
    )
    return txn
