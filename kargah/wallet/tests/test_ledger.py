"""The ledger: balanced transactions, balances as sums, idempotent references (rule 9)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from kargah.accounts.tests.factories import FamilyFactory
from kargah.wallet import selectors, services
from kargah.wallet.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind

pytestmark = pytest.mark.django_db


def _top_up(family, amount, reference):
    return services.ledger_post(
        reference=reference,
        kind=TransactionKind.TOP_UP,
        entries=[
            (services.system_account(AccountKind.GATEWAY_CLEARING), -amount),
            (services.family_wallet(family), amount),
        ],
    )


def test_a_balance_is_the_sum_of_its_entries():
    family = FamilyFactory.create()
    _top_up(family, 3_000_000, "t1")
    _top_up(family, 500_000, "t2")
    assert selectors.wallet_balance(family=family) == 3_500_000
    assert selectors.ledger_is_balanced()


def test_the_same_reference_moves_money_once():
    family = FamilyFactory.create()
    first = _top_up(family, 1_000_000, "payment:7")
    again = _top_up(family, 1_000_000, "payment:7")
    assert again.pk == first.pk
    assert selectors.wallet_balance(family=family) == 1_000_000
    assert LedgerTransaction.objects.count() == 1


def test_an_unbalanced_transaction_is_refused_before_it_reaches_the_database():
    family = FamilyFactory.create()
    with pytest.raises(ValueError):
        services.ledger_post(
            reference="bad",
            kind=TransactionKind.TOP_UP,
            entries=[
                (services.system_account(AccountKind.GATEWAY_CLEARING), -100),
                (services.family_wallet(family), 90),
            ],
        )
    assert not LedgerTransaction.objects.exists()


def test_a_wallet_is_never_debited_beyond_its_balance():
    family = FamilyFactory.create()
    _top_up(family, 1_000, "t")
    with pytest.raises(services.InsufficientBalance):
        services.ledger_post(
            reference="spend",
            kind=TransactionKind.ENROLLMENT_PAYMENT,
            entries=[
                (services.family_wallet(family), -1_001),
                (services.system_account(AccountKind.COURSE_REVENUE), 1_001),
            ],
        )
    assert selectors.wallet_balance(family=family) == 1_000
    assert not LedgerTransaction.objects.filter(reference="spend").exists()


def test_ledger_rows_refuse_edits_and_deletes_in_python():
    family = FamilyFactory.create()
    txn = _top_up(family, 1_000, "t")
    entry = txn.entries.first()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        txn.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_an_unbalanced_transaction_at_commit():
    assert connection.vendor == "postgresql"
    family = FamilyFactory.create()
    wallet = services.family_wallet(family)
    clearing = services.system_account(AccountKind.GATEWAY_CLEARING)
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        txn = LedgerTransaction.objects.create(reference="raw", kind=TransactionKind.TOP_UP)
        LedgerEntry.objects.create(transaction=txn, account=clearing, amount=-100)
        LedgerEntry.objects.create(transaction=txn, account=wallet, amount=90)
    assert not LedgerTransaction.objects.filter(reference="raw").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_a_negative_wallet_and_any_update():
    assert connection.vendor == "postgresql"
    family = FamilyFactory.create()
    wallet = services.family_wallet(family)
    revenue = services.system_account(AccountKind.COURSE_REVENUE)
    with pytest.raises(IntegrityError, match="below zero"), transaction.atomic():
        txn = LedgerTransaction.objects.create(
            reference="raw2", kind=TransactionKind.ENROLLMENT_PAYMENT
        )
        LedgerEntry.objects.create(transaction=txn, account=wallet, amount=-100)
        LedgerEntry.objects.create(transaction=txn, account=revenue, amount=100)
    txn = _top_up(family, 500, "t")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(transaction=txn).update(amount=5_000)
    assert selectors.wallet_balance(family=family) == 500


def test_the_wallet_its_balance_and_a_system_account_in_one_read():
    family = FamilyFactory.create()
    wallet, revenue, balance = services.wallet_and_system_account(
        family, AccountKind.COURSE_REVENUE
    )  # created when missing
    assert (wallet.family, wallet.kind, revenue.kind, balance) == (
        family,
        AccountKind.FAMILY_WALLET,
        AccountKind.COURSE_REVENUE,
        0,
    )
    _top_up(family, 2_000_000, "t-accounts")
    again = services.wallet_and_system_account(family, AccountKind.COURSE_REVENUE)
    assert again == (wallet, revenue, 2_000_000)
    with pytest.raises(ValueError):
        services.wallet_and_system_account(family, AccountKind.FAMILY_WALLET)


@pytest.mark.django_db(transaction=True)  # so that "outside a transaction" is real
def test_posting_a_new_reference_needs_the_callers_transaction_and_balanced_entries():
    family = FamilyFactory.create()
    _top_up(family, 1_000_000, "t-new")
    wallet, revenue, _balance = services.wallet_and_system_account(
        family, AccountKind.COURSE_REVENUE
    )
    entries = [(wallet, -400_000), (revenue, 400_000)]
    with pytest.raises(RuntimeError):  # outside a transaction: no lock can be held
        services.ledger_post_new(
            reference="enrollment:1:paid", kind=TransactionKind.ENROLLMENT_PAYMENT, entries=entries
        )
    with transaction.atomic():
        with pytest.raises(ValueError):
            services.ledger_post_new(
                reference="enrollment:1:paid",
                kind=TransactionKind.ENROLLMENT_PAYMENT,
                entries=[(wallet, -400_000), (revenue, 300_000)],
            )
        services.ledger_post_new(
            reference="enrollment:1:paid", kind=TransactionKind.ENROLLMENT_PAYMENT, entries=entries
        )
    assert selectors.wallet_balance(family=family) == 600_000
    assert selectors.ledger_is_balanced()
