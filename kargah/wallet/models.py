"""The ledger: accounts, transactions and their entries. Append-only; a balance is a sum."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Family

# Money is a whole number of Rials everywhere; formatting (Toman or Rial) is done at the edge.
Rials = int


class AccountKind(models.TextChoices):
    FAMILY_WALLET = "family_wallet", _("Family wallet")
    GATEWAY_CLEARING = "gateway_clearing", _("Gateway clearing")
    COURSE_REVENUE = "course_revenue", _("Course revenue")
    REFUNDS_PAYABLE = "refunds_payable", _("Refunds payable")
    BANK_PAYOUTS = "bank_payouts", _("Paid out to banks")
    COMPENSATION = "compensation", _("Compensation")


class Account(models.Model):
    """A family's wallet, or one of the system's accounts (family empty)."""

    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts",
        verbose_name=_("family"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(family__isnull=True),
                name="account_one_system_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "family"],
                condition=Q(family__isnull=False),
                name="account_one_per_family",
            ),
            models.CheckConstraint(
                condition=Q(kind="family_wallet", family__isnull=False)
                | (~Q(kind="family_wallet") & Q(family__isnull=True)),
                name="account_family_only_for_wallets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.family or ''}".strip()


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("ledger rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("ledger rows are append-only")


class TransactionKind(models.TextChoices):
    TOP_UP = "top_up", _("Wallet top-up")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    ENROLLMENT_PAYMENT = "enrollment_payment", _("Paid for a class")
    DROP_CREDIT = "drop_credit", _("Credit for a dropped class")
    SWITCH = "switch", _("Class switch")
    QUORUM_CREDIT = "quorum_credit", _("Credit for a class below quorum")
    CANCEL_CREDIT = "cancel_credit", _("Credit for a place cancelled by the center")
    HOLD_RELEASED = "hold_released", _("Unpaid hold released")
    REFUND_REQUESTED = "refund_requested", _("Refund to bank requested")
    REFUND_REJECTED = "refund_rejected", _("Refund to bank rejected")
    REFUND_PAID = "refund_paid", _("Refund paid to bank")
    COMPENSATION = "compensation", _("Compensation credit")


class LedgerTransaction(AppendOnly):
    """One movement of money: entries that sum to zero. `reference` names what caused it
    (e.g. "payment:42"), and is unique, so that whatever runs twice moves money once."""

    reference = models.CharField(_("reference"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=TransactionKind.choices)
    memo = models.CharField(_("description"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return self.reference


class LedgerEntry(AppendOnly):
    # What the entry is for the family, in plain words: set on rows read through
    # kargah.wallet.selectors.describe_wallet_entries, never stored.
    description: str
    # The account's balance after the entry: set by the statement and ledger selectors
    # (kargah.wallet.selectors.family_statement), never stored.
    balance: int

    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("transaction"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    # Signed Rials: a family wallet's balance is the sum of its entries (positive = owed to
    # the family).
    amount = models.BigIntegerField(_("amount (Rials)"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "transaction"])]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


# The allowed next states (kargah.wallet.refunds checks them). An approved request may
# still be rejected: the bank may bounce a transfer to a wrong or closed account.
REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RefundStatus.REQUESTED: frozenset({RefundStatus.APPROVED, RefundStatus.REJECTED}),
    RefundStatus.APPROVED: frozenset({RefundStatus.PAID, RefundStatus.REJECTED}),
    RefundStatus.PAID: frozenset(),
    RefundStatus.REJECTED: frozenset(),
}


class RefundRequest(models.Model):
    """A family's request to have wallet money paid back to a bank account (P2).

    From the moment it is made the amount is held (moved from the family's wallet to
    refunds payable); a rejection gives it back, a payment moves it out to the bank."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("family")
    )
    amount = models.PositiveBigIntegerField(_("amount (Rials)"))
    # IR-IBAN, normalised: "IR" and 24 digits, no spaces.
    sheba = models.CharField(_("Sheba number"), max_length=26)
    account_holder = models.CharField(_("account holder"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    reason = models.TextField(_("reason for rejection"), blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("marked paid by"),
    )  # fmt: skip
    # The payout file the request was last exported in.
    payout_batch = models.CharField(_("payout batch"), max_length=40, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "approved", "paid", "rejected"]),
                name="refund_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | ~Q(bank_reference=""),
                name="refund_paid_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="refund_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.family} {self.amount}"

    @property
    def sheba_display(self) -> str:
        """IR06 2960 0000 0010 0324 2000 01: groups of four, as printed on bank cards."""
        return " ".join(self.sheba[i : i + 4] for i in range(0, len(self.sheba), 4))
