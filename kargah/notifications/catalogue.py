"""The one catalogue of messages: each kind's templates, default channels and sending rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kargah.core.persian import (
    format_jalali_date,
    format_jalali_datetime,
    format_money,
    format_weekday,
    localize_digits,
)
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
    # The group the preferences page shows it under (GROUPS); one choice covers the group.
    group: str = "other"


CATALOGUE: dict[str, MessageKind] = {}

# The groups of the preferences page, in the order it shows them.
GROUPS: dict[str, str | Promise] = {
    "sign_in": _("Sign-in codes"),
    "account": _("Your family"),
    "registration": _("Registration and payments"),
    "schedule": _("Schedules and changes to classes"),
    "cancellations": _("Cancellations and make-ups"),
    "classes": _("Attendance"),
    "refunds": _("Refunds"),
    "documents": _("Documents"),
    "center": _("Messages from the center"),
    "other": _("Other messages"),
}


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


# --- values that are written in the reader's language -------------------------------------
# A context value is turned into text only when the message is rendered, inside the
# reader's language: Jalali dates with Persian digits for Persian, with Latin digits for
# English (the site's calendar is the Jalali one in both languages), Tehran time always.


@dataclass(frozen=True)
class When:
    """A moment: «۱۴۰۳/۰۷/۰۱ ۱۷:۰۰» (Jalali, Tehran time), with its weekday if asked."""

    value: dt.datetime | None
    weekday: bool = False

    def __str__(self) -> str:
        if self.value is None:
            return ""
        text = format_jalali_datetime(self.value)
        return f"{format_weekday(self.value)} {text}" if self.weekday else text


@dataclass(frozen=True)
class Day:
    """A day: «۱۴۰۳/۰۷/۰۱» (Jalali)."""

    value: dt.date | dt.datetime

    def __str__(self) -> str:
        return format_jalali_date(self.value)


@dataclass(frozen=True)
class Money:
    """An amount of Rials as the site shows money: «۵۰۰٬۰۰۰ تومان»."""

    rials: int

    def __str__(self) -> str:
        return format_money(self.rials)


@dataclass(frozen=True)
class Number:
    """A number (or code) in the reader's digits."""

    value: object

    def __str__(self) -> str:
        return localize_digits(self.value)


class Fragment:
    """An optional sentence of a message (e.g. the amount credited, the make-up's date),
    itself a translatable template filled when the message is rendered."""

    def __init__(self, template: str | Promise, **values: Any) -> None:
        self.template = template
        self.values = values

    def __str__(self) -> str:
        return str(self.template).format(**{k: str(v) for k, v in self.values.items()})


class Joined:
    """Parts written one after another in the reader's language; a part may be a callable
    that returns its text (called when the message is rendered)."""

    def __init__(self, parts: list[Any], separator: str = " ") -> None:
        self.parts = parts
        self.separator = separator

    def __str__(self) -> str:
        texts = (str(part() if callable(part) else part) for part in self.parts)
        return self.separator.join(text for text in texts if text)


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
# Every message the product sends is registered here (issue 12, item 2). The texts keep
# "Kargah:" in front: an SMS must say who sends it. Optional sentences are Fragments below.

SMS_AND_INBOX = frozenset({Channel.SMS, Channel.INBOX})

# Sign-in and the family.

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
        group="sign_in",
    )
)
LEARNER_LINK_REQUESTED = register(
    MessageKind(
        key="learner_link_requested",
        title=_("A second guardian asks to be linked"),
        text=_(
            "Kargah: the guardian with number {mobile} asked to be linked to {name} as a "
            "second guardian. Approve or reject on your family page: {url}"
        ),
        group="account",
    )
)
LEARNER_LINK_APPROVED = register(
    MessageKind(
        key="learner_link_approved",
        title=_("Your link request was approved"),
        text=_("Kargah: your request was approved; {name} is now on your family page: {url}"),
        group="account",
    )
)
LEARNER_LINK_ENDED = register(
    MessageKind(
        key="learner_link_ended",
        title=_("Your link as a second guardian was ended"),
        text=_("Kargah: your link to {name} as a second guardian was ended."),
        group="account",
    )
)

# Registration and payments.

SEAT_HELD = register(
    MessageKind(
        key="seat_held",
        title=_("Seat held"),
        text=_(
            "Kargah: a seat in «{title}» is held for {name} until {until}. Pay before then, "
            "or the seat goes to the next family: {link}"
        ),
        group="registration",
    )
)
HOLD_EXPIRED = register(
    MessageKind(
        key="hold_expired",
        title=_("The held seat was released"),
        text=_(
            "Kargah: the seat held for {name} in «{title}» was not paid by {until} and was "
            "released. If seats are left, you can register again: {link}"
        ),
        group="registration",
    )
)
PAYMENT_RECEIVED = register(
    MessageKind(
        key="payment_received",
        title=_("Payment received"),
        text=_("Kargah: payment received; {name} is registered in «{title}»."),
        group="registration",
    )
)
ENROLLMENT_CONFIRMED = register(
    MessageKind(
        key="enrollment_confirmed",
        title=_("Registration confirmed"),
        text=_("Kargah: {how}; {name} is registered in «{title}»."),
        group="registration",
    )
)
# The `how` of a confirmed registration.
PAID_FROM_WALLET = _("paid from your wallet")
DOCUMENTS_APPROVED = _("the documents were approved")

ENROLLMENT_PAID = register(
    MessageKind(
        key="enrollment_paid",
        title=_("Paid; waiting for the documents"),
        text=_(
            "Kargah: paid from your wallet; {name} is registered in «{title}» once the "
            "documents are approved."
        ),
        group="registration",
    )
)
PAYMENT_KEPT_RELEASED = register(
    MessageKind(
        key="payment_kept_released",
        title=_("Your payment is in your wallet"),
        text=_(
            "Kargah: your payment for «{title}» arrived after the seat of {name} was released. "
            "The money ({amount}) is in your Kargah wallet; use it for another class or ask "
            "for it back."
        ),
        group="registration",
    )
)
PAYMENT_KEPT_ALREADY_PAID = register(
    MessageKind(
        key="payment_kept_already_paid",
        title=_("Your payment is in your wallet"),
        text=_(
            "Kargah: the place of {name} in «{title}» was already paid, so this payment "
            "({amount}) is in your Kargah wallet."
        ),
        group="registration",
    )
)
PAYMENT_KEPT_SHORT = register(
    MessageKind(
        key="payment_kept_short",
        title=_("Your payment is in your wallet"),
        text=_(
            "Kargah: your payment ({amount}) is in your Kargah wallet, but the wallet no longer "
            "covers the fee of «{title}» for {name}. Pay the rest on the site while the seat "
            "is held."
        ),
        group="registration",
    )
)
WALLET_TOPPED_UP = register(
    MessageKind(
        key="wallet_topped_up",
        title=_("Payment received"),
        text=_("Kargah: {amount} were added to your Kargah wallet."),
        group="registration",
    )
)
WAITING_LIST_OFFER = register(
    MessageKind(
        key="waiting_list_offer",
        title=_("A seat is free for you"),
        text=_(
            "Kargah: a seat in «{title}» is free for {name} until {until}. Register here: {link}"
        ),
        group="registration",
    )
)
HOLD_GIVEN_UP = register(
    MessageKind(
        key="hold_given_up",
        title=_("Held seat given up"),
        text=_("Kargah: the held seat of {name} in «{title}» was given up."),
        group="registration",
    )
)
ENROLLMENT_DROPPED = register(
    MessageKind(
        key="enrollment_dropped",
        title=_("Registration dropped"),
        text=_("Kargah: {name} is no longer registered in «{title}».{credit}"),
        group="registration",
    )
)
# The `credit` of a dropped place that was paid.
DROP_CREDIT = _(" {amount} are back in your Kargah wallet.")

ENROLLMENT_SWITCHED = register(
    MessageKind(
        key="enrollment_switched",
        title=_("Class switched"),
        text=_("Kargah: {name} moved from «{old}» to «{new}»."),
        group="registration",
    )
)

# Schedules, cancellations and make-ups (cancellations and make-ups always by SMS).

SCHEDULE_CHANGE = register(
    MessageKind(
        key="schedule_change",
        title=_("A session was moved"),
        text=_("Kargah: the session of «{title}» on {old} moves to {new}. Reason: {reason}"),
        group="schedule",
    )
)
OFFERING_CHANGE = register(
    MessageKind(
        key="offering_change",
        title=_("A class you registered for changed"),
        text=_("Kargah: «{title}» has changed. {changes} Reason: {reason}"),
        group="schedule",
    )
)
_SESSION_CANCELLED_TEXT = _(
    "Kargah: the session of «{title}» on {when} is cancelled by the center. {makeup}"
)
SESSION_CANCELLED = register(
    MessageKind(
        key="session_cancelled",
        title=_("A session was cancelled"),
        text=_SESSION_CANCELLED_TEXT,
        always_sms=True,
        optional=False,
        group="cancellations",
    )
)
# A cancellation on the day of the session is news the family needs even at night.
SESSION_CANCELLED_TODAY = register(
    MessageKind(
        key="session_cancelled_today",
        title=_("Today's session was cancelled"),
        text=_SESSION_CANCELLED_TEXT,
        always_sms=True,
        quiet_exempt=True,
        optional=False,
        group="cancellations",
    )
)
# The `makeup` of a cancelled session.
MAKEUP_ON = _("Its make-up session is on {makeup}, Tehran time.")
MAKEUP_OWED = _("A make-up session is owed; we will send you its date.")

MAKEUP_SCHEDULED = register(
    MessageKind(
        key="makeup_scheduled",
        title=_("Make-up session scheduled"),
        text=_(
            "Kargah: the make-up of the cancelled session of «{title}» on {when} is on "
            "{makeup}, Tehran time."
        ),
        always_sms=True,
        optional=False,
        group="cancellations",
    )
)
QUORUM_MET = register(
    MessageKind(
        key="quorum_met",
        title=_("The class will run"),
        text=_(
            "Kargah: «{title}» reached its minimum number of learners and will run; "
            "{name} is registered.{first}"
        ),
        group="schedule",
    )
)
# The `first` of a class that will run.
FIRST_SESSION = _(" The first session is on {when}, Tehran time.")

QUORUM_CANCELLED = register(
    MessageKind(
        key="quorum_cancelled",
        title=_("The class is cancelled: too few learners"),
        text=_(
            "Kargah: «{title}» did not reach its minimum number of learners and is "
            "cancelled.{outcome}{similar}"
        ),
        always_sms=True,
        optional=False,
        group="cancellations",
    )
)
# The `outcome` of a quorum cancellation: the credit, or the place cancelled.
QUORUM_CREDIT = _(
    " {amount} are in your wallet for another class, or ask for them back to your bank account."
)
QUORUM_NO_CREDIT = _(" The registration of {name} is cancelled.")
# The `similar` of a cancellation: up to three open classes for the child, one a line.
SIMILAR_CLASSES = _(" Similar classes for {name}:{classes}")

OFFERING_CANCELLED = register(
    MessageKind(
        key="offering_cancelled",
        title=_("The center cancelled a class"),
        text=_("Kargah: the center has cancelled «{title}» ({reason}).{credit}{similar}"),
        always_sms=True,
        optional=False,
        group="cancellations",
    )
)
ENROLLMENT_CANCELLED_BY_CENTER = register(
    MessageKind(
        key="enrollment_cancelled_by_center",
        title=_("The center cancelled a registration"),
        text=_(
            "Kargah: the center has cancelled the registration of {name} in «{title}» "
            "({reason}).{credit}"
        ),
        always_sms=True,
        optional=False,
        group="cancellations",
    )
)
# The `credit` of a place the center cancelled.
CENTER_CANCEL_CREDIT = _(
    " {amount} are in your wallet for another class; to have them paid to your bank "
    "account, ask on your wallet page: {wallet}"
)

# Attendance.

ATTENDANCE_ABSENT = register(
    MessageKind(
        key="attendance_absent",
        title=_("Marked absent"),
        text=_(
            "Kargah: {name} was marked absent from the session of «{title}» on {when}. "
            "An absence has no make-up session."
        ),
        group="classes",
    )
)

# Refunds.

REFUND_REQUESTED = register(
    MessageKind(
        key="refund_requested",
        title=_("Refund request received"),
        text=_(
            "Kargah: your request for {amount} back to your bank account was received; the "
            "amount is held from your wallet until it is paid."
        ),
        group="refunds",
    )
)
REFUND_APPROVED = register(
    MessageKind(
        key="refund_approved",
        title=_("Refund approved"),
        text=_(
            "Kargah: your refund request no. {number} for {amount} was approved and will be "
            "paid to your bank account."
        ),
        group="refunds",
    )
)
REFUND_PAID = register(
    MessageKind(
        key="refund_paid",
        title=_("Refund paid"),
        text=_(
            "Kargah: {amount} of your refund request no. {number} was paid to the account "
            "ending in {sheba_end}. Bank reference: {reference}"
        ),
        group="refunds",
    )
)
REFUND_REJECTED = register(
    MessageKind(
        key="refund_rejected",
        title=_("Refund not approved"),
        text=_(
            "Kargah: your refund request no. {number} for {amount} was not approved, and the "
            "amount is back in your wallet. Reason: {reason}"
        ),
        group="refunds",
    )
)

# Documents.

DOCUMENT_APPROVED = register(
    MessageKind(
        key="document_approved",
        title=_("Document approved"),
        text=_("Kargah: the document «{name}» of {learner} for «{course}» was approved."),
        group="documents",
    )
)
DOCUMENT_REJECTED = register(
    MessageKind(
        key="document_rejected",
        title=_("Document not accepted"),
        text=_(
            "Kargah: the document «{name}» of {learner} for «{course}» was not accepted. "
            "Reason: {reason}. Please upload it again on the site."
        ),
        group="documents",
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
        group="center",
    )
)

# Certificates of completion (issue 13, item 6; kargah.certificates).
CERTIFICATE_ISSUED = register(
    MessageKind(
        key="certificate_issued",
        group="classes",
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


# --- reminders before each session (kargah/notifications/reminders.py schedules them) ----
# The context: learner, course, weekday, date, time (Tehran), join_url, and the optional
# lines device_check and quiet_note (each either empty or starting with a new line).

REMINDER_24H = register(
    MessageKind(
        key="reminder_24h",
        group="schedule",
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
        group="schedule",
        title=_("Class in one hour"),
        text=_(
            "Kargah: {learner}'s class «{course}» starts in one hour, at {time} Tehran "
            "time.\nJoin the class: {join_url}{device_check}"
        ),
    )
)
