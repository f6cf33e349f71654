"""A certificate of completion: one per completed place, with the code anyone can verify."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.enrollment.models import Enrollment

# The code's letters: digits and capitals without the ones read or typed for another
# (0/O, 1/I/L, U/V), so a code copied from paper is typed right. Ten of 30 letters are
# about 49 bits: not guessed, even before the verify page's rate limit.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


class Certificate(models.Model):
    """Issued when a place completes with enough attendance (`certificate_issue`). What it
    says is kept as it was said on the day (the child's name, the course, the center), so a
    later rename never changes a certificate already given."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate",
        verbose_name=_("enrollment"),
    )  # fmt: skip
    code = models.CharField(_("verification code"), max_length=CODE_LENGTH, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    learner_name = models.CharField(_("learner's name"), max_length=300)
    course_title = models.CharField(_("course"), max_length=200)
    center_name = models.CharField(_("center"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    sessions_held = models.PositiveSmallIntegerField(_("sessions held"))
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"))
    attendance_percent = models.PositiveSmallIntegerField(_("attendance (%)"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("revoked by"),
    )  # fmt: skip

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate of completion")
        verbose_name_plural = _("certificates of completion")
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance_percent__lte=100)
                & Q(sessions_attended__lte=models.F("sessions_held")),
                name="certificate_attendance_sane",
            ),
            # Revoked means when, by whom and why, all three; not revoked means none.
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True, revoke_reason="")
                | (Q(revoked_at__isnull=False, revoked_by__isnull=False) & ~Q(revoke_reason="")),
                name="certificate_revoked_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} · {self.learner_name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def display_code(self) -> str:
        """ABCDE-FGHJK: two groups of five, as printed."""
        half = CODE_LENGTH // 2
        return f"{self.code[:half]}-{self.code[half:]}"
