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
