"""The outbox: every message is a row written with the change that causes it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")


class OutboxMessage(models.Model):
    """A message to send. It is committed with the change that causes it and sent after
    commit; while the provider is down it stays pending and is retried with back-off."""

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    recipient = models.CharField(_("recipient"), max_length=64)
    body = models.TextField(_("text"))
    # A short name of what this message is about (e.g. "otp"), for reports and filtering.
    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    # Sign-in codes must not outlive their use in the database: the text is blanked once sent.
    redact_after_send = models.BooleanField(_("blank the text once sent"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"
