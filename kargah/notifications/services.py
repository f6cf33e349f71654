"""Writes of the notifications app: queue a message, send one, flush what is due."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kargah.notifications import delivery
from kargah.notifications.catalogue import MessageKind, get_kind, render
from kargah.notifications.models import (
    Channel,
    InboxItem,
    NotificationPreference,
    OutboxMessage,
)

if TYPE_CHECKING:
    from kargah.accounts.models import User
    from kargah.catalog.models import Session

logger = logging.getLogger(__name__)

# The sending itself lives in kargah.notifications.delivery; these are its entry points.
MAX_ATTEMPTS = delivery.MAX_ATTEMPTS
REDACTED = delivery.REDACTED


def sms_queue(
    *,
    recipient: str,
    body: str,
    kind: str,
    redact_after_send: bool = False,
    quiet_exempt: bool = False,
) -> OutboxMessage:
    """Writes the message to the outbox in the caller's transaction; it is sent after commit.

    If the change rolls back, so does the message; if sending fails, the row stays pending.
    Sign-in codes are never held for the quiet hours (a family signs in at night too).
    """
    message = OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient=recipient,
        body=body,
        kind=kind,
        redact_after_send=redact_after_send,
        quiet_exempt=quiet_exempt or kind == delivery.OTP_KIND,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def channels_for(user: User, kind: MessageKind) -> set[str]:
    """The channels `kind` reaches `user` by: their choice, else the kind's defaults; SMS
    always for the kinds that must not be missed; only channels the person can receive."""
    preference = NotificationPreference.objects.filter(user=user, kind=kind.key).first()
    if preference is None:
        chosen = set(kind.default_channels)
    else:
        chosen = {
            channel
            for channel, on in (
                (Channel.SMS, preference.sms),
                (Channel.EMAIL, preference.email),
                (Channel.INBOX, preference.inbox),
            )
            if on
        }
    if kind.always_sms:
        chosen.add(Channel.SMS)
    if not user.mobile:
        chosen.discard(Channel.SMS)
    if not user.email:
        chosen.discard(Channel.EMAIL)
    return {str(channel) for channel in chosen}


def notify(
    *,
    user: User,
    kind: str,
    context: dict[str, Any],
    event_key: str,
    link: str = "",
    session: Session | None = None,
    send_at: dt.datetime | None = None,
) -> list[OutboxMessage | InboxItem]:
    """Tells `user` about one event, by the channels they chose, in their language.

    Written in the caller's transaction like `sms_queue`. `event_key` names the event (e.g.
    "refund-approved:42"); the same key never produces the same message twice, however often
    the caller runs. Returns what was written now (nothing when it was written before).
    With `send_at`, every channel waits in the outbox until then, the inbox too.
    """
    message_kind = get_kind(kind)
    language = user.language or "fa"
    rendered = render(message_kind, context, language)
    written: list[OutboxMessage | InboxItem] = []
    for channel in sorted(channels_for(user, message_kind)):
        key = f"{event_key}:{kind}:{channel}:{user.pk}"[:200]
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
                if channel == Channel.INBOX and send_at is None:
                    written.append(
                        InboxItem.objects.create(
                            user=user,
                            kind=kind,
                            title=rendered.title,
                            body=rendered.body,
                            link=link,
                            dedupe_key=key,
                        )
                    )
                    # The header's badge (User.inbox_unread), in the same savepoint.
                    type(user).objects.filter(pk=user.pk).update(inbox_unread=F("inbox_unread") + 1)
                    continue
                message = OutboxMessage.objects.create(
                    channel=channel,
                    recipient=(
                        user.mobile
                        if channel == Channel.SMS
                        else user.email
                        if channel == Channel.EMAIL
                        else ""
                    )
                    or "",
                    user=user,
                    subject=rendered.title,
                    body=rendered.body,
                    link=link,
                    language=language,
                    kind=kind,
                    dedupe_key=key,
                    quiet_exempt=message_kind.quiet_exempt,
                    redact_after_send=message_kind.redact_after_send,
                    session=session,
                    next_attempt_at=send_at or timezone.now(),
                )
        except IntegrityError:
            continue  # this event already produced this message
        if send_at is None:
            transaction.on_commit(partial(_enqueue, message.pk))
        written.append(message)
    return written


def notify_number(
    *, mobile: str, kind: str, context: dict[str, Any], event_key: str, language: str = "fa"
) -> OutboxMessage | None:
    """An SMS of the catalogue to a number that may have no account yet (a sign-in code to a
    new number): no preferences, no inbox; otherwise as `notify`, once per `event_key`.
    Returns the message, or None when this event already produced it."""
    message_kind = get_kind(kind)
    rendered = render(message_kind, context, language)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                channel=Channel.SMS,
                recipient=mobile,
                user=None,
                subject=rendered.title,
                body=rendered.body,
                language=language,
                kind=kind,
                dedupe_key=f"{event_key}:{kind}:{Channel.SMS}:{mobile}"[:200],
                quiet_exempt=message_kind.quiet_exempt,
                redact_after_send=message_kind.redact_after_send,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(partial(_enqueue, message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from kargah.notifications.tasks import outbox_send

    try:
        # One attempt, no retries: this runs in the request after its commit, and a broker
        # that is down must not hold the answer up (issue 8, item 6).
        outbox_send.apply_async((message_id,), retry=False)
    except Exception:  # the broker is down: the periodic flush will send it
        logger.warning(
            "outbox: could not enqueue message %s; the flush will pick it up", message_id
        )


def outbox_send(*, message_id: int) -> OutboxMessage | None:
    """Sends one message if it is still pending and due (the after-commit fast path). Safe to
    run twice or concurrently: the row is locked and re-read, and a sent one is left alone."""
    return delivery.send_one(message_id)


def outbox_flush(*, limit: int | None = None, batch_size: int | None = None) -> int:
    """Sends every due message in batches (several workers may drain at once); returns how
    many were handled."""
    return delivery.flush(limit=limit, batch_size=batch_size)


def outbox_check_delivery() -> int:
    """Records the provider's delivery reports of sent SMS; returns how many were asked about."""
    return delivery.check_delivery()
