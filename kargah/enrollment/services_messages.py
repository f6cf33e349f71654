"""The center writes to families (issue 11 item 6): ready templates and free text with
placeholders, rendered per family in Persian (Jalali dates, Tehran time, Persian digits),
previewed without writing anything, and sent by each guardian's chosen channels (notify(),
kind `staff_message`) with one audit row; a send key makes a double submit send once."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kargah.accounts.models import Role, User
from kargah.core.errors import DomainError
from kargah.core.locks import lock_keys
from kargah.core.models import AuditLogEntry
from kargah.core.persian import (
    format_jalali_date,
    format_tehran_time,
    format_weekday,
    to_persian_digits,
)
from kargah.core.services import audit_record
from kargah.enrollment.selectors_messages import (
    MessageScope,
    Recipient,
    family_message_recipients,
)
from kargah.notifications.services import notify

# What staff type: room for a few SMS parts; what is sent, with the names filled in, is
# held to ten Persian SMS parts (67 characters each), which the operators still deliver.
TEXT_MAX_CHARS = 500
MESSAGE_MAX_CHARS = 670
PREVIEW_COUNT = 3
# The catalogue's kind (kargah.notifications.catalogue): the guardian's channels and language.
MESSAGE_KIND = "staff_message"
AUDIT_ACTION = "families.messaged"
# The one-time key of a message form: letters, digits and dashes (a UUID fits).
SEND_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")

# Each placeholder by its English name and the Persian one staff may type instead.
PLACEHOLDERS: dict[str, str] = {
    "child": "child", "فرزند": "child",
    "class": "class", "کلاس": "class",
    "date": "date", "تاریخ": "date",
    "time": "time", "ساعت": "time",
    "center": "center", "مرکز": "center",
}  # fmt: skip
_TOKEN = re.compile(r"\{([^{}]*)\}")
_WHEN = {"date", "time"}

# The ready templates, in English source and rendered for staff in Persian.
TEMPLATES: dict[str, str] = {
    "reminder": gettext_noop(
        "Kargah: a reminder that {child}'s class «{class}» meets on {date} at {time}."
    ),
    "materials": gettext_noop(
        "Kargah: for the session of «{class}» on {date}, please have {child} ready with: "
    ),
    "notice": gettext_noop("Kargah: a notice to the families of «{class}»: "),
    "free": "",
}
TEMPLATE_LABELS: dict[str, str] = {
    "reminder": gettext_noop("Schedule reminder"),
    "materials": gettext_noop("Materials to prepare"),
    "notice": gettext_noop("General notice"),
    "free": gettext_noop("Free text"),
}


def template_text(key: str) -> str:
    """A ready template as staff see it in the text box: in Persian, placeholders kept."""
    source = TEMPLATES.get(key, "")
    if not source:
        return ""
    with translation.override("fa"):
        return _(source)


def placeholder_problems(text: str) -> list[str]:
    """Persian (or English) sentences for each unknown placeholder or unpaired brace."""
    problems: list[str] = []
    # Named in the reader's language: Persian staff see {فرزند}، {کلاس}… (both spellings work).
    persian = (translation.get_language() or "fa").startswith("fa")
    names = [key for key in PLACEHOLDERS if (key != PLACEHOLDERS[key]) == persian]
    known = "، ".join(f"{{{name}}}" for name in names)
    for name in _TOKEN.findall(text):
        if name.strip() not in PLACEHOLDERS:
            problems.append(
                _("{%(name)s} is not a placeholder; use %(known)s.")
                % {"name": name, "known": known}
            )
    if "{" in _TOKEN.sub("", text) or "}" in _TOKEN.sub("", text):
        problems.append(
            _("A brace { or } has no pair; placeholders are written like %(example)s.")
            % {"example": "{فرزند}" if persian else "{child}"}
        )
    return problems


def _names(children: tuple[str, ...]) -> str:
    if len(children) == 1:
        return children[0]
    return "، ".join(children[:-1]) + " و " + children[-1]


def message_render(*, text: str, recipient: Recipient) -> str:
    """The message one family receives, in Persian whatever language staff use."""
    with translation.override("fa"):
        when = recipient.when
        values = {
            "child": _names(recipient.children),
            "class": recipient.class_title,
            "center": recipient.center_name,
            "date": f"{format_weekday(when)} {format_jalali_date(when, long=True)}" if when else "",
            "time": format_tehran_time(when) if when else "",
        }
        # Digits staff typed come in Latin (kargah.core.forms); families read Persian ones.
        text = to_persian_digits(text)
        return _TOKEN.sub(lambda m: values[PLACEHOLDERS[m.group(1).strip()]], text).strip()


@dataclass(frozen=True)
class MessagePlan:
    """What a message would do: how many families, and the first ones' messages."""

    count: int
    samples: list[tuple[Recipient, str]]
    # True when this send key had already sent the message: nothing was written again.
    already_sent: bool = False


def _checked(scope: MessageScope, text: str) -> list[tuple[Recipient, str]]:
    if not text.strip():
        raise DomainError(_("Write the message."), code="empty")
    if len(text) > TEXT_MAX_CHARS:
        raise DomainError(
            _("The message may have at most %(max)s characters.")
            % {"max": to_persian_digits(TEXT_MAX_CHARS)},
            code="too_long",
        )
    problems = placeholder_problems(text)
    if problems:
        raise DomainError(problems[0], code="placeholder", extra={"problems": problems})
    recipients = family_message_recipients(scope=scope)
    used = {PLACEHOLDERS[name.strip()] for name in _TOKEN.findall(text)}
    if used & _WHEN and any(r.when is None for r in recipients):
        raise DomainError(
            _("A class of these families has no session to come, so {date} and {time} "
              "cannot be filled; write the date in the text instead."),
            code="no_session",
        )  # fmt: skip
    rendered = [(r, message_render(text=text, recipient=r)) for r in recipients]
    longest = max((len(body) for _r, body in rendered), default=0)
    if longest > MESSAGE_MAX_CHARS:
        raise DomainError(
            _("With the names filled in, a message grows to %(length)s characters; at most "
              "%(max)s can be sent. Shorten the text.")
            % {"length": to_persian_digits(longest), "max": to_persian_digits(MESSAGE_MAX_CHARS)},
            code="too_long",
        )  # fmt: skip
    return rendered


def family_message_preview(*, scope: MessageScope, text: str) -> MessagePlan:
    """The count of families and the first messages, rendered; writes nothing."""
    rendered = _checked(scope, text)
    return MessagePlan(count=len(rendered), samples=rendered[:PREVIEW_COUNT])


def _sent_before(send_key: str) -> AuditLogEntry | None:
    return AuditLogEntry.objects.filter(action=AUDIT_ACTION, after__send_key=send_key).first()


def family_message_send(
    *, actor: User, scope: MessageScope, text: str, send_key: str, template: str = "free"
) -> MessagePlan:
    """Tells each family's guardian by the channels they chose (SMS, e-mail, the inbox; the
    outbox sends after commit and retries while a provider is down) and writes one audit row
    with the text, the count and the channels. `send_key` names this send (the form's
    one-time key): the same key again (a double click, a reload) writes nothing and says so.
    Refused, writing nothing, for an empty or unknown-placeholder text, one too long, no
    families, or a malformed key."""
    own_center = actor.role == Role.CENTER_STAFF and actor.center_id == scope.center.pk
    if not (actor.is_administrator or own_center):
        raise DomainError(_("Only the center's staff write to its families."), code="forbidden")
    if not SEND_KEY.match(send_key):
        raise DomainError(_("Open the message page again and send once more."), code="send_key")
    with transaction.atomic():
        # The second of two simultaneous submits waits here, then finds the first's audit row.
        lock_keys(("family-message", send_key))
        earlier = _sent_before(send_key)
        if earlier is not None:
            count = int((earlier.after or {}).get("recipients", 0))
            return MessagePlan(count=count, samples=[], already_sent=True)
        rendered = _checked(scope, text)
        if not rendered:
            raise DomainError(
                _("No family holds a confirmed place here; nothing was sent."), code="no_recipients"
            )
        channels: Counter[str] = Counter()
        link = reverse("enrollment:schedule")
        for recipient, body in rendered:
            # One event per family and class of this send: notify's key makes it one message
            # per channel even if this ran again.
            written = notify(
                user=recipient.guardian,
                kind=MESSAGE_KIND,
                context={"text": body, "center": recipient.center_name},
                event_key=f"staff-message:{send_key}:{recipient.offering_id}",
                link=link,
            )
            channels.update(getattr(item, "channel", "inbox") for item in written)
        audit_record(
            actor=actor,
            action=AUDIT_ACTION,
            obj=scope.target,
            after={
                "scope": scope.kind,
                "template": template if template in TEMPLATES else "free",
                "text": text,
                "send_key": send_key,
                "channels": dict(sorted(channels.items())),
                "recipients": len(rendered),
                "families": sorted({r.family_id for r, _body in rendered}),
            },
        )
    return MessagePlan(count=len(rendered), samples=rendered[:PREVIEW_COUNT])
