"""Reconciliation of gateway payments against the ledger (issue 11, item 8; rule 9): a clean
ledger has no mismatch; each planted kind of mismatch is listed; the daily job, the
command and the report row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone

from kargah.accounts.models import Family
from kargah.core.models import AuditLogEntry
from kargah.payments import services, tasks
from kargah.payments.models import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    ReconciliationReport,
)
from kargah.payments.reconciliation import MismatchKind, reconciliation_run
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

pytestmark = pytest.mark.django_db


def _paid(start_top_up: Callable[..., PaymentAttempt], amount: int) -> PaymentAttempt:
    """A top-up paid through the sandbox bank and its callback: the real path."""
    attempt = start_top_up(amount)
    return services.payment_callback(
        gateway=attempt.gateway, authority=attempt.authority, status_ok=True
    )


def _verified_without_posting(family: Family, amount: int) -> PaymentAttempt:
    now = timezone.now()
    return PaymentAttempt.objects.create(
        family=family,
        amount=amount,
        purpose=PaymentPurpose.TOP_UP,
        gateway="sandbox",
        status=PaymentStatus.VERIFIED,
        expires_at=now,
        verified_at=now,
    )


def _post(family: Family, amount: int, reference: str) -> None:
    ledger_post(
        reference=reference,
        kind=TransactionKind.PAYMENT_RECEIVED,
        entries=[
            (system_account(AccountKind.GATEWAY_CLEARING), -amount),
            (family_wallet(family), amount),
        ],
    )


def _kinds(report: ReconciliationReport) -> list[tuple[str, int | None, str]]:
    return sorted(
        ((row["kind"], row["payment"], row["reference"]) for row in report.mismatches),
        key=lambda row: (row[0], row[1] or 0, row[2]),
    )


def test_a_clean_ledger_reconciles_with_no_mismatch(start_top_up):
    first = _paid(start_top_up, 1_200_000)
    second = _paid(start_top_up, 3_000_000)
    start_top_up(900_000, paid=False)  # a failed attempt owes no posting
    assert first.status == second.status == PaymentStatus.VERIFIED

    report = reconciliation_run()

    assert report.mismatches == []
    assert (report.payments_checked, report.postings_checked) == (2, 2)


def test_a_verified_payment_without_posting_is_listed(family, start_top_up):
    _paid(start_top_up, 1_200_000)
    lost = _verified_without_posting(family, 2_000_000)

    report = reconciliation_run()

    assert _kinds(report) == [(MismatchKind.NOT_POSTED, lost.pk, "")]
    assert report.mismatches[0]["amount"] == 2_000_000
    assert report.mismatches[0]["family"] == family.pk


def test_a_posting_without_a_verified_payment_is_listed(family, start_top_up):
    _paid(start_top_up, 1_200_000)
    _post(family, 500_000, "top-up:by-hand")  # names no payment at all
    failed = start_top_up(700_000, paid=False)
    _post(family, 700_000, f"payment:{failed.pk}")  # names one the bank never took

    report = reconciliation_run()

    assert _kinds(report) == [
        (MismatchKind.UNBACKED, None, "top-up:by-hand"),
        (MismatchKind.UNBACKED, failed.pk, f"payment:{failed.pk}"),
    ]


def test_a_payment_posted_twice_is_listed_with_both_postings(family, start_top_up):
    attempt = _paid(start_top_up, 1_200_000)
    _post(family, 1_200_000, f"payment:{attempt.pk}:again")

    report = reconciliation_run()

    assert _kinds(report) == [
        (MismatchKind.POSTED_TWICE, attempt.pk, f"payment:{attempt.pk}"),
        (MismatchKind.POSTED_TWICE, attempt.pk, f"payment:{attempt.pk}:again"),
    ]


def test_a_double_posting_mended_by_a_reversal_reconciles(family, start_top_up):
    attempt = _paid(start_top_up, 1_200_000)
    _post(family, 1_200_000, f"payment:{attempt.pk}:again")
    assert reconciliation_run().mismatches != []
    ledger_post(  # the ledger is append-only: the mend is a new, balanced transaction
        reference=f"payment:{attempt.pk}:reversal",
        kind=TransactionKind.PAYMENT_RECEIVED,
        entries=[
            (family_wallet(family), -1_200_000),
            (system_account(AccountKind.GATEWAY_CLEARING), 1_200_000),
        ],
    )
    assert reconciliation_run().mismatches == []


def test_a_payment_posted_for_another_amount_is_listed(family):
    attempt = _verified_without_posting(family, 2_000_000)
    _post(family, 200_000, f"payment:{attempt.pk}")

    report = reconciliation_run()

    assert _kinds(report) == [(MismatchKind.AMOUNT_DIFFERS, attempt.pk, f"payment:{attempt.pk}")]
    assert (report.mismatches[0]["amount"], report.mismatches[0]["posted"]) == (
        2_000_000,
        200_000,
    )


def test_the_daily_task_and_the_command_keep_a_report_each(family, start_top_up):
    _paid(start_top_up, 1_200_000)
    report_id = tasks.reconciliation_run.delay().get()
    assert ReconciliationReport.objects.get(pk=report_id).mismatches == []
    assert AuditLogEntry.objects.filter(action="payments.reconciled").count() == 1

    call_command("payments_reconcile")
    _verified_without_posting(family, 2_000_000)
    with pytest.raises(SystemExit) as exit_info:
        call_command("payments_reconcile")

    assert exit_info.value.code == 1
    latest = ReconciliationReport.objects.order_by("-ran_at", "-id").first()
    assert latest is not None and [row["kind"] for row in latest.mismatches] == [
        MismatchKind.NOT_POSTED
    ]
    assert ReconciliationReport.objects.count() == 3


def test_the_daily_job_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
    assert schedule["task"] == "kargah.payments.tasks.reconciliation_run"
    assert tasks.reconciliation_run.name == schedule["task"]
