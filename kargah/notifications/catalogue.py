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


# --- written by the center's staff (issue 11 item 6) ------------------------------------
# The text is the staff's own, already rendered per family in Persian (placeholders filled,
# Jalali dates, Persian digits) by kargah.enrollment.services_messages; only the title is
# the catalogue's, in the guardian's language.

STAFF_MESSAGE = register(
    MessageKind(
        key="staff_message",
        title=_("A message from {center}"),
        text="{text}",
    )
)

# Certificates of completion (issue 13, item 6; kargah.certificates).
CERTIFICATE_ISSUED = register(
    MessageKind(
        key="certificate_issued",
        title=_("Certificate of completion"),
        text=_(
            "Kargah: the certificate of completion of {child} for «{course}» is ready. "
            "Download it from My classes."
        ),
    )
)


# --- the agreement's service levels (issue 13, kargah.sla) -----------------------------

SLA_COMPENSATION = register(
    MessageKind(
        key="sla_compensation",
        title=_("Credit for a missed service level"),
        text=_(
            "Kargah: the service level «{level}» was not met in the period from {period}. "
            "{amount} has been credited to your wallet."
        ),
    )
)
