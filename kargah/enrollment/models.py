"""Enrollments: a learner's place in an offering and the conditions accepted for it (R2)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner
from kargah.catalog.models import CourseConditions, Offering


class EnrollmentStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")
    SWITCHED = "switched", _("Switched")
    CANCELLED = "cancelled", _("Cancelled")


# Enrollments in these states hold a seat and are told of schedule changes.
ACTIVE_STATUSES = (EnrollmentStatus.AWAITING_PAYMENT, EnrollmentStatus.CONFIRMED)


class Enrollment(models.Model):
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("learner")
    )
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "offering"],
                condition=Q(status__in=["awaiting_payment", "confirmed", "completed"]),
                name="enrollment_one_active_per_learner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.offering}"
