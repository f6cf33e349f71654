"""The outbox: every message is a row written with the change that causes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    # In-app messages told now are written straight to the inbox (InboxItem); those due later
    # (reminders) wait in the outbox like the others and become inbox items when due.
    INBOX = "inbox", _("In-app inbox")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    # The dead-letter state: every attempt failed; `last_error` says why.
    FAILED = "failed", _("Gave up")
    # A scheduled message that lost its reason (e.g. the reminder of a cancelled session).
    CANCELLED = "cancelled", _("Withdrawn")


class OutboxMessage(models.Model):
    """A message to send. It is committed with the change that causes it and sent after
    commit; while the provider is down it stays pending and is retried with back-off."""

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    # The person the message is for, when it is for a person with an account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=5, default="fa")
    # The same event never produces the same message twice: "<event>:<channel>" is unique.
    dedupe_key = models.CharField(_("event key"), max_length=200, blank=True)
    # Sign-in codes and same-day cancellations may be sent during the quiet hours (22-08).
    quiet_exempt = models.BooleanField(_("may be sent at night"), default=False)
    # A reminder belongs to its session: a reschedule moves it, a cancellation withdraws it.
    session = models.ForeignKey(
        "catalog.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    # SMS are charged by parts; both are written when the provider takes the message.
    parts = models.PositiveSmallIntegerField(_("SMS parts"), default=0)
    cost_rials = models.BigIntegerField(_("cost (rials)"), default=0)
    delivery_status = models.CharField(_("delivery status"), max_length=40, blank=True)
    # Where an inbox message scheduled through the outbox (a reminder) leads.
    link = models.CharField(_("link"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
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
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_one_message_per_event",
            )
        ]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"


class InboxItem(models.Model):
    """A message in a person's in-app inbox; the header shows how many are unread."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="inbox_items",
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("event key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="inbox_one_item_per_event",
            )
        ]
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox")

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class NotificationPreference(models.Model):
    """How a person wants one kind of message; with no row, the kind's default channels."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=50)
    sms = models.BooleanField(_("SMS"), default=True)
    email = models.BooleanField(_("e-mail"), default=False)
    inbox = models.BooleanField(_("in-app inbox"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
