"""Enrollments: a learner's place in an offering and the conditions accepted for it (R2),
and the waiting list of a full offering."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Family, Learner
from kargah.catalog.models import CourseConditions, Offering


class EnrollmentStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    # Paid, but the course confirms only after staff approve the learner's documents (R1).
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting document approval")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")
    SWITCHED = "switched", _("Switched")
    CANCELLED = "cancelled", _("Cancelled")


# Enrollments in these states hold a seat and are told of schedule changes.
ACTIVE_STATUSES = (
    EnrollmentStatus.AWAITING_PAYMENT,
    EnrollmentStatus.AWAITING_APPROVAL,
    EnrollmentStatus.CONFIRMED,
)
# Enrollments in these states have been paid for (their fee is in course revenue).
PAID_STATUSES = (EnrollmentStatus.AWAITING_APPROVAL, EnrollmentStatus.CONFIRMED)

# The allowed next states; every service that changes a status checks this table.
ENROLLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EnrollmentStatus.AWAITING_PAYMENT: frozenset(
        {
            EnrollmentStatus.CONFIRMED,
            EnrollmentStatus.AWAITING_APPROVAL,
            EnrollmentStatus.CANCELLED,
        }
    ),
    EnrollmentStatus.AWAITING_APPROVAL: frozenset(
        {EnrollmentStatus.CONFIRMED, EnrollmentStatus.CANCELLED}
    ),
    EnrollmentStatus.CONFIRMED: frozenset(
        {
            EnrollmentStatus.COMPLETED,
            EnrollmentStatus.DROPPED,
            EnrollmentStatus.SWITCHED,
            EnrollmentStatus.CANCELLED,
        }
    ),
    EnrollmentStatus.COMPLETED: frozenset(),
    EnrollmentStatus.DROPPED: frozenset(),
    EnrollmentStatus.SWITCHED: frozenset(),
    EnrollmentStatus.CANCELLED: frozenset(),
}


class Enrollment(models.Model):
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("learner")
    )
    # The family that registered and pays for the place: the learner's own family, or a
    # family linked to the child by an approved link (docs/learner-links.md). Its wallet
    # pays and gets back every credit of the place; its guardian acts on it and is told.
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="enrollments",
        verbose_name=_("paying family"),
    )  # fmt: skip
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("offering")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.AWAITING_PAYMENT,
    )  # fmt: skip
    # R2: registering means accepting the offering's conditions; which version and when.
    conditions = models.ForeignKey(
        CourseConditions, on_delete=models.PROTECT, verbose_name=_("accepted conditions")
    )
    conditions_accepted_at = models.DateTimeField(_("conditions accepted at"))
    # The offering's fee when the family registered; later price changes do not touch it.
    fee_rials = models.PositiveBigIntegerField(_("fee (Rials)"), default=0)
    # What the family paid for this place (moved from the wallet into course revenue); a
    # drop or a quorum cancellation gives back exactly this.
    paid_rials = models.PositiveBigIntegerField(_("paid (Rials)"), default=0)
    # Until when an unpaid place keeps its seat; empty once paid.
    hold_expires_at = models.DateTimeField(_("seat held until"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    switched_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="switched_from",
        verbose_name=_("switched to"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        indexes = [
            models.Index(
                fields=["hold_expires_at"],
                condition=Q(status="awaiting_payment"),
                name="enrollment_open_holds",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "offering"],
                condition=Q(
                    status__in=["awaiting_payment", "awaiting_approval", "confirmed", "completed"]
                ),
                name="enrollment_one_active_per_learner",
            ),
            models.CheckConstraint(
                condition=Q(paid_rials__lte=models.F("fee_rials")),
                name="enrollment_paid_at_most_fee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.offering}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Seat offered")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Offer expired")
    LEFT = "left", _("Left the list")


# An entry in these states is on the list (one per learner and offering).
WAITING_OPEN_STATUSES = (WaitingStatus.WAITING, WaitingStatus.OFFERED)

WAITING_TRANSITIONS: dict[str, frozenset[str]] = {
    # A waiting learner may also register directly when a seat is free (accepted), and the
    # list ends when registration closes (expired).
    WaitingStatus.WAITING: frozenset(
        {
            WaitingStatus.OFFERED,
            WaitingStatus.ACCEPTED,
            WaitingStatus.EXPIRED,
            WaitingStatus.LEFT,
        }
    ),
    WaitingStatus.OFFERED: frozenset(
        {WaitingStatus.ACCEPTED, WaitingStatus.EXPIRED, WaitingStatus.LEFT}
    ),
    WaitingStatus.ACCEPTED: frozenset(),
    WaitingStatus.EXPIRED: frozenset(),
    WaitingStatus.LEFT: frozenset(),
}


class WaitingListEntry(models.Model):
    """A learner waiting for a seat of a full offering; first come, first offered.

    An offered entry reserves one seat (counted in `Offering.seats_taken`) for its learner
    until `offer_expires_at`; then the seat passes to the next entry."""

    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="waiting_list",
        verbose_name=_("offering"),
    )  # fmt: skip
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="waiting_list_entries",
        verbose_name=_("learner"),
    )  # fmt: skip
    # The family that put the child on the list: it is offered the seat and registers.
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="waiting_list_entries",
        verbose_name=_("family"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=WaitingStatus.choices, default=WaitingStatus.WAITING
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        indexes = [models.Index(fields=["offering", "status", "created_at", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "offering"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waiting_one_open_per_learner",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="waiting_offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} ⌛ {self.offering}"
