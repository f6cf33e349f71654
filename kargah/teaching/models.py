"""Attendance per learner per session (R7) and conduct notes on a learner (R6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner
from kargah.catalog.models import Offering, Session


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused absence")


class AttendanceSource(models.TextChoices):
    CLASSROOM = "classroom", _("From the classroom")
    INSTRUCTOR = "instructor", _("Set by the instructor")


class Attendance(models.Model):
    """One learner in one session: proposed from the classroom's minutes, confirmed or
    corrected by the instructor. An absence is recorded and shown, and owes no make-up (R7)."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("learner")
    )
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    minutes_attended = models.PositiveIntegerField(_("minutes attended"), default=0)
    source = models.CharField(
        _("source"), max_length=12, choices=AttendanceSource.choices,
        default=AttendanceSource.CLASSROOM,
    )  # fmt: skip
    # Set when a person confirms or corrects the row; the classroom fill never touches it then.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("confirmed by"),
    )  # fmt: skip
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["session__starts_at", "learner__first_name", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="attendance_once"),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="attendance_confirmed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.learner_id}: {self.status}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ConductNote(models.Model):
    """An instructor's note on a learner's conduct in a class (R6): seen by the center's staff
    and the learner's family, never by other families. Notes are added, never edited."""

    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="conduct_notes", verbose_name=_("learner")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="conduct_notes",
        verbose_name=_("offering"),
    )  # fmt: skip
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("session"),
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("written by"),
    )  # fmt: skip
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conduct note")
        verbose_name_plural = _("conduct notes")
        indexes = [models.Index(fields=["learner", "offering"])]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.offering_id}: {self.text[:40]}"
