"""Service events: what happened to a class that a service-level report counts (rule 10)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kargah.catalog.models import Offering, Session


class ServiceEventKind(models.TextChoices):
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled by the center")
    MAKEUP_SCHEDULED = "makeup_scheduled", _("Make-up session scheduled")
    MAKEUP_HELD = "makeup_held", _("Make-up session held")
    OFFERING_CANCELLED = "offering_cancelled", _("Class cancelled by the center")


class ServiceEvent(models.Model):
    """One recorded event, written in the transaction of the change it records. Levels are
    computed from these rows, never from a number kept by hand (rule 10); a session has at
    most one event of each kind, so a job or request that runs twice records it once."""

    kind = models.CharField(_("kind"), max_length=24, choices=ServiceEventKind.choices)
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="service_events",
        verbose_name=_("offering"),
    )  # fmt: skip
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="service_events",
        verbose_name=_("session"),
    )  # fmt: skip
    # Why, for a cancellation: catalog.models.CancelCause (instructor_absent, …).
    cause = models.CharField(_("cause"), max_length=24, blank=True, default="")
    at = models.DateTimeField(_("when"), db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "session"],
                condition=models.Q(session__isnull=False),
                name="service_event_once_per_session",
            )
        ]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
