"""The one catalogue of messages: each kind's templates, default channels and sending rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kargah.notifications.models import Channel


@dataclass(frozen=True)
class MessageKind:
    """One kind of message. `title` and `text` are translatable templates with `{name}`
    placeholders filled from the context; dates and numbers arrive already formatted."""

    key: str
    title: str | Promise
    text: str | Promise
    # The channels used when the person has not chosen (NotificationPreference).
    default_channels: frozenset[str] = field(
        default_factory=lambda: frozenset({Channel.SMS, Channel.INBOX})
    )
    # Sign-in codes, cancellations and make-ups always go by SMS, whatever was chosen.
    always_sms: bool = False
    # May be sent during the quiet hours (22:00-08:00 Tehran): sign-in codes, same-day news.
    quiet_exempt: bool = False
    # Blank the text once sent (sign-in codes must not outlive their use).
    redact_after_send: bool = False
    # Whether a person may turn this kind off altogether (never for always_sms kinds).
    optional: bool = True


CATALOGUE: dict[str, MessageKind] = {}


def register(kind: MessageKind) -> MessageKind:
    if kind.key in CATALOGUE:
        raise ValueError(f"message kind {kind.key!r} is registered twice")
    CATALOGUE[kind.key] = kind
    return kind


def get_kind(key: str) -> MessageKind:
    try:
        return CATALOGUE[key]
    except KeyError:
        raise LookupError(f"no message kind {key!r} in the catalogue") from None


@dataclass(frozen=True)
class RenderedMessage:
    title: str
    body: str


def render(kind: MessageKind, context: dict[str, Any], language: str) -> RenderedMessage:
    """Fills the kind's templates in `language`. Values that are lazy translations are
    resolved in that language too, so a Persian message carries no English word."""
    with translation.override(language):
        values = {name: str(value) for name, value in context.items()}
        return RenderedMessage(
            title=str(kind.title).format(**values), body=str(kind.text).format(**values)
        )


# --- the kinds -------------------------------------------------------------------------
# Every message the product sends is registered here (issue 12, item 2).

OTP = register(
    MessageKind(
        key="otp",
        title=_("Sign-in code"),
        text=_("Kargah sign-in code: {code}\nValid for {minutes} minutes. Do not share it."),
        default_channels=frozenset({Channel.SMS}),
        always_sms=True,
        quiet_exempt=True,
        redact_after_send=True,
        optional=False,
    )
)


# --- reminders before each session (kargah/notifications/reminders.py schedules them) ----
# The context: learner, course, weekday, date, time (Tehran), join_url, and the optional
# lines device_check and quiet_note (each either empty or starting with a new line).

REMINDER_24H = register(
    MessageKind(
        key="reminder_24h",
        title=_("Class tomorrow"),
        text=_(
            "Kargah: {learner}'s class «{course}» is on {weekday} {date} at {time} Tehran "
            "time.\nJoin the class: {join_url}{device_check}{quiet_note}"
        ),
    )
)

REMINDER_1H = register(
    MessageKind(
        key="reminder_1h",
        title=_("Class in one hour"),
        text=_(
            "Kargah: {learner}'s class «{course}» starts in one hour, at {time} Tehran "
            "time.\nJoin the class: {join_url}{device_check}"
        ),
    )
)
