"""Payment attempts through a gateway, each its own record with its own states, and the
sandbox bank's own payments (the simulated bank the demo and the tests pay in)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Family


class PaymentPurpose(models.TextChoices):
    TOP_UP = "top_up", _("Wallet top-up")
    ENROLLMENT = "enrollment", _("Class registration")


class PaymentStatus(models.TextChoices):
    INITIATED = "initiated", _("Waiting for the bank")
    VERIFIED = "verified", _("Paid")
    FAILED = "failed", _("Not paid")
    EXPIRED = "expired", _("Expired")


# The allowed next states; every service that changes a status checks this table.
# A failed or expired attempt may still become verified: a late callback, or a genuine one
# that follows a forged "cancelled" one, carries money the bank really took, and the bank
# says so when asked server-to-server. Money actually paid must never vanish.
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.INITIATED: frozenset(
        {PaymentStatus.VERIFIED, PaymentStatus.FAILED, PaymentStatus.EXPIRED}
    ),
    PaymentStatus.FAILED: frozenset({PaymentStatus.VERIFIED}),
    PaymentStatus.EXPIRED: frozenset({PaymentStatus.VERIFIED}),
    PaymentStatus.VERIFIED: frozenset(),
}


class PaymentAttempt(models.Model):
    """One trip of a family to a payment gateway for one amount. A registration may need
    several (a cancelled try, then a paid one); each keeps its own record and states."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="payment_attempts",
        verbose_name=_("family"),
    )  # fmt: skip
    amount = models.PositiveBigIntegerField(_("amount (Rials)"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=PaymentPurpose.choices)
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", null=True, blank=True, on_delete=models.PROTECT,
        related_name="payment_attempts", verbose_name=_("enrollment"),
    )  # fmt: skip
    gateway = models.CharField(_("gateway"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices,
        default=PaymentStatus.INITIATED,
    )  # fmt: skip
    # The gateway's reference for this attempt (Zarinpal's "authority"); empty until the
    # gateway has answered. Unique per gateway: a callback finds exactly one attempt.
    authority = models.CharField(_("gateway reference"), max_length=64, blank=True)
    # Where the gateway sends the family to pay (not a secret; kept so that an unfinished
    # attempt can be resumed).
    redirect_url = models.CharField(_("payment page"), max_length=500, blank=True)
    # The bank's reference number once verified (shown to the family and to finance).
    ref_id = models.CharField(_("bank reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    verified_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    # A local path only (checked by the service): never an open redirect.
    return_url = models.CharField(_("return to"), max_length=300, default="/")

    # Not stored: set by payment_callback when the enrollment refused money that was paid
    # (it stays in the wallet); the callback page shows it to the family.
    notice: str = ""

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="initiated"),
                name="payment_open_attempts",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "authority"],
                condition=~Q(authority=""),
                name="payment_one_attempt_per_gateway_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(purpose="enrollment", enrollment__isnull=False)
                | (~Q(purpose="enrollment") & Q(enrollment__isnull=True)),
                name="payment_enrollment_only_for_enrollments",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="payment_verified_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.authority or '-'} ({self.amount})"


class SandboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class SandboxPayment(models.Model):
    """A payment in the built-in simulated bank: what the bank itself would know. Kargah's
    own attempt rows never read it directly; they ask the sandbox gateway, as they would ask
    a real one."""

    authority = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    amount = models.PositiveBigIntegerField(_("amount (Rials)"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    callback_url = models.CharField(_("callback address"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=SandboxStatus.choices, default=SandboxStatus.PENDING
    )
    ref_id = models.CharField(_("bank reference"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the first verify; a later verify answers "already verified" (Zarinpal's 101).
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sandbox payment")
        verbose_name_plural = _("sandbox payments")

    def __str__(self) -> str:
        return f"sandbox:{self.authority} ({self.amount})"


class ReconciliationReport(models.Model):
    """One run of the reconciliation of verified gateway payments against the ledger's
    gateway-clearing postings (kargah.payments.reconciliation). Kept, not sent: finance
    reads the latest on its desk; an empty `mismatches` is a clean ledger."""

    ran_at = models.DateTimeField(_("run at"), db_index=True)
    payments_checked = models.PositiveIntegerField(_("verified payments checked"))
    postings_checked = models.PositiveIntegerField(_("postings checked"))
    # [{"kind": …, "payment": id | None, "reference": str, "amount": Rials, "posted": Rials}]
    mismatches = models.JSONField(_("mismatches"), default=list, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        verbose_name = _("reconciliation report")
        verbose_name_plural = _("reconciliation reports")

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} ({len(self.mismatches)})"
