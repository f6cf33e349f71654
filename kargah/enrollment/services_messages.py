"""The center writes to families (issue 11 item 6): ready templates and free text with
placeholders, rendered per family in Persian (Jalali dates, Tehran time, Persian digits),
previewed without writing anything, and sent through the outbox with one audit row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kargah.accounts.models import Role, User
from kargah.core.errors import DomainError
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
OUTBOX_KIND = "family_message"

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


def family_message_send(
    *, actor: User, scope: MessageScope, text: str, template: str = "free"
) -> MessagePlan:
    """Queues one SMS per family and class in the outbox (sent after commit, retried when
    the provider is down) and writes one audit row with the text and the count. Refused,
    writing nothing, for an empty or unknown-placeholder text, one too long, or no families."""
    own_center = actor.role == Role.CENTER_STAFF and actor.center_id == scope.center.pk
    if not (actor.is_administrator or own_center):
        raise DomainError(_("Only the center's staff write to its families."), code="forbidden")
    with transaction.atomic():
        rendered = _checked(scope, text)
        if not rendered:
            raise DomainError(
                _("No family holds a confirmed place here; nothing was sent."), code="no_recipients"
            )
        sent = audit_record(
            actor=actor,
            action="families.messaged",
            obj=scope.target,
            after={
                "scope": scope.kind,
                "template": template if template in TEMPLATES else "free",
                "text": text,
                "channel": "sms",
                "recipients": len(rendered),
                "families": sorted({r.family_id for r, _body in rendered}),
            },
        )
        guardians = {
            g.family.pk: g
            for g in User.objects.filter(
                family__pk__in={r.family_id for r, _body in rendered}
            ).select_related("family")
        }
        for recipient, body in rendered:
            # Staff write in Persian, so the message stays Persian whatever the reader chose.
            notify(
                user=guardians[recipient.family_id],
                kind=OUTBOX_KIND,
                context={"center": recipient.center_name, "text": body},
                event_key=f"family-message:{sent.pk}:{recipient.family_id}:{recipient.offering_id}",
                link=reverse("catalog:detail", args=[recipient.offering_id]),
            )
    return MessagePlan(count=len(rendered), samples=rendered[:PREVIEW_COUNT])
