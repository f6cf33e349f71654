"""Reconciliation of verified gateway payments against the ledger (issue 11, item 8): every
verified payment posted to the gateway-clearing account exactly once, for its amount, and
every gateway-clearing posting backed by a verified payment (rule 9)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import User
from kargah.core.services import audit_record
from kargah.payments.models import PaymentAttempt, PaymentStatus, ReconciliationReport
from kargah.wallet.models import AccountKind, LedgerEntry


class MismatchKind:
    NOT_POSTED = "not_posted"  # a verified payment with no posting
    POSTED_TWICE = "posted_twice"  # a payment posted more than once
    AMOUNT_DIFFERS = "amount_differs"  # posted once, for another amount
    UNBACKED = "unbacked"  # a posting that names no verified payment


MISMATCH_LABELS = {
    MismatchKind.NOT_POSTED: _("Verified payment never posted to the ledger"),
    MismatchKind.POSTED_TWICE: _("Payment posted more than once"),
    MismatchKind.AMOUNT_DIFFERS: _("Posted for another amount than was paid"),
    MismatchKind.UNBACKED: _("Posting without a verified payment"),
}

# A payment's posting is "payment:<id>" (kargah.payments.services._attempt_verified); a
# second posting made by hand for the same payment would carry a suffix ("payment:42:fix").
_PAYMENT_REFERENCE = re.compile(r"^payment:(\d+)(?::|$)")


def reconciliation_mismatches() -> tuple[list[dict[str, Any]], int, int]:
    """(mismatches, verified payments checked, postings checked), over the whole history:
    a mismatch of any age stays listed until it is mended. Two queries."""
    postings: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    mismatches: list[dict[str, Any]] = []
    entries = (
        LedgerEntry.objects.filter(account__kind=AccountKind.GATEWAY_CLEARING)
        .values_list("transaction__reference", "amount", "transaction_id")
        .order_by("transaction__created_at", "transaction_id")
    )
    verified = {
        pk: (amount, family_id)
        for pk, amount, family_id in PaymentAttempt.objects.filter(
            status=PaymentStatus.VERIFIED
        ).values_list("pk", "amount", "family_id")
    }
    count = 0
    for reference, amount, txn_id in entries:
        count += 1
        match = _PAYMENT_REFERENCE.match(reference)
        payment_id = int(match.group(1)) if match else None
        # Money in from the bank is a debit of the clearing account (kargah.payments.services).
        if payment_id is None or payment_id not in verified:
            mismatches.append(
                _row(MismatchKind.UNBACKED, payment_id, reference, None, -amount, txn_id)
            )
            continue
        postings[payment_id].append((reference, -amount, txn_id))
    for payment_id, (amount, family_id) in sorted(verified.items()):
        found = postings.get(payment_id, [])
        if not found:
            mismatches.append(
                _row(MismatchKind.NOT_POSTED, payment_id, "", amount, 0, None, family_id)
            )
            continue
        # Net, so that a double posting mended by a reversing one reads as settled.
        if sum(posted for _ref, posted, _txn in found) == amount:
            continue
        kind = MismatchKind.POSTED_TWICE if len(found) > 1 else MismatchKind.AMOUNT_DIFFERS
        for reference, posted, txn_id in found:
            mismatches.append(_row(kind, payment_id, reference, amount, posted, txn_id, family_id))
    return mismatches, len(verified), count


def _row(
    kind: str,
    payment_id: int | None,
    reference: str,
    amount: int | None,
    posted: int,
    transaction_id: int | None,
    family_id: int | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "payment": payment_id,
        "reference": reference,
        "amount": amount,
        "posted": posted,
        "transaction": transaction_id,
        "family": family_id,
    }


def reconciliation_run(
    *, actor: User | None = None, now: dt.datetime | None = None
) -> ReconciliationReport:
    """Checks the ledger and keeps the result as a report row (the daily job, the command
    and finance's "check now" all call this); audited, so a run by hand is on record."""
    mismatches, payments_checked, postings_checked = reconciliation_mismatches()
    with transaction.atomic():
        report = ReconciliationReport.objects.create(
            ran_at=now or timezone.now(),
            payments_checked=payments_checked,
            postings_checked=postings_checked,
            mismatches=mismatches,
        )
        audit_record(
            actor=actor,
            action="payments.reconciled",
            obj=report,
            after={"mismatches": len(mismatches)},
        )
    return report


def reconciliation_latest() -> ReconciliationReport | None:
    return ReconciliationReport.objects.order_by("-ran_at", "-id").first()
