"""Rooms of sessions on BigBlueButton, each offering's room settings, the join log and the
presence intervals the classroom reports."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner
from kargah.catalog.models import Offering, Session


def _meeting_id() -> str:
    # Ours, random and never shown to families: knowing it is half of a join URL.
    return f"kargah-{secrets.token_hex(16)}"


def _password() -> str:
    return secrets.token_urlsafe(12)


class ClassroomSettings(models.Model):
    """An offering's room settings, kept here so that the catalog's Offering stays as it is;
    an offering without a row uses the defaults from settings."""

    offering = models.OneToOneField(
        Offering, on_delete=models.CASCADE, related_name="classroom_settings",
        verbose_name=_("offering"),
    )  # fmt: skip
    records = models.BooleanField(
        _("record the sessions"), default=False,
        help_text=_("Enrolled families see the recordings on the class page."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("classroom settings")
        verbose_name_plural = _("classroom settings")

    def __str__(self) -> str:
        return str(self.offering_id)


class Room(models.Model):
    """A session's room on the classroom server: created there at most once (room_ensure)."""

    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="room", verbose_name=_("session")
    )
    meeting_id = models.CharField(
        _("meeting id"), max_length=64, unique=True, default=_meeting_id, editable=False
    )
    # BBB before 2.4 tells roles by password; kept for such servers, never shown.
    attendee_pw = models.CharField(max_length=32, default=_password, editable=False)
    moderator_pw = models.CharField(max_length=32, default=_password, editable=False)
    records = models.BooleanField(_("recorded"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When `create` succeeded on the server; empty until then (and again never: a room the
    # server ended is created again only through room_ensure, which clears ended_at).
    opened_at = models.DateTimeField(_("opened on the classroom server"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # When a moderator was first seen inside (teaching_seen is sent then, once).
    teaching_seen_at = models.DateTimeField(_("instructor first seen"), null=True, blank=True)
    # The classroom server's health as this session's calls found it (the join's create, the
    # poll's getMeetingInfo, the probe's isMeetingRunning): when the current run of failures
    # began (emptied by a success), its latest failure, and the latest success. The
    # lifecycle job cancels an untaught session for an outage from these (docs/makeups.md).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        indexes = [
            models.Index(fields=["opened_at"], condition=Q(ended_at__isnull=True), name="room_open")
        ]

    def __str__(self) -> str:
        return f"room of session {self.session_id}"

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.ended_at is None


class JoinRole(models.TextChoices):
    MODERATOR = "moderator", _("Moderator")
    VIEWER = "viewer", _("Viewer")


class JoinOutcome(models.TextChoices):
    JOINED = "joined", _("Joined")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Outside the join window")
    UNAVAILABLE = "unavailable", _("Classroom unavailable")


class JoinLog(models.Model):
    """Every click on a join button: who, as whom, in which role, when, from where."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="join_logs", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("signed-in user"),
    )  # fmt: skip
    learner = models.ForeignKey(
        Learner, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("learner"),
    )  # fmt: skip
    full_name = models.CharField(_("name in the room"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=JoinRole.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=JoinOutcome.choices)
    at = models.DateTimeField(_("at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("join log entry")
        verbose_name_plural = _("join log")
        indexes = [models.Index(fields=["session", "at"])]

    def __str__(self) -> str:
        return f"{self.session_id} {self.full_name} {self.outcome}"


class PresenceInterval(models.Model):
    """One stretch of time a person was inside a session's room, from the classroom's
    callbacks or polls; `left_at` is empty while they are inside."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="presence", verbose_name=_("session")
    )
    # The userID we gave on join ("learner-12", "user-3"), as the classroom reports it.
    person_key = models.CharField(_("person"), max_length=64)
    learner = models.ForeignKey(
        Learner, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("learner"),
    )  # fmt: skip
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("user"),
    )  # fmt: skip
    full_name = models.CharField(_("name in the room"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=JoinRole.choices)
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("presence interval")
        verbose_name_plural = _("presence intervals")
        constraints = [
            # A person is inside a room at most once at a time: a repeated join callback
            # cannot open a second interval.
            models.UniqueConstraint(
                fields=["session", "person_key"],
                condition=Q(left_at__isnull=True),
                name="presence_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="presence_positive_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.person_key} {self.joined_at:%H:%M}"
