"""A learner's device check: what the page measured, and what the server concluded from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner


class DeviceCheck(models.Model):
    """One run of the device check for a learner; the latest passing one younger than
    KARGAH_DEVICE_CHECK_VALID_DAYS is the learner's current check (selectors)."""

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="device_checks", verbose_name=_("learner")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    browser_name = models.CharField(_("browser"), max_length=100, blank=True)
    browser_version = models.CharField(_("browser version"), max_length=40, blank=True)
    os_name = models.CharField(_("operating system"), max_length=100, blank=True)
    browser_ok = models.BooleanField(_("browser supported"), default=False)
    camera_ok = models.BooleanField(_("camera works"), default=False)
    microphone_ok = models.BooleanField(_("microphone works"), default=False)
    speaker_ok = models.BooleanField(_("sound heard"), default=False)
    rtt_ms = models.PositiveIntegerField(_("round trip (ms)"), null=True, blank=True)
    download_kbps = models.PositiveIntegerField(_("download speed (kbps)"), null=True, blank=True)
    connection_ok = models.BooleanField(_("connection good enough"), default=False)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("device check")
        verbose_name_plural = _("device checks")
        ordering = ["-checked_at", "-pk"]
        indexes = [
            models.Index(fields=["learner", "-checked_at"], name="devicecheck_learner_latest")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.checked_at:%Y-%m-%d %H:%M}"
