"""Writes of the notifications app: queue a message, send one, flush what is due."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kargah.notifications.catalogue import MessageKind, get_kind, render
from kargah.notifications.models import (
    Channel,
    InboxItem,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from kargah.notifications.sms import SmsSendError, get_provider

if TYPE_CHECKING:
    from kargah.accounts.models import User
    from kargah.catalog.models import Session

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
REDACTED = "[redacted]"


def sms_queue(
    *, recipient: str, body: str, kind: str, redact_after_send: bool = False
) -> OutboxMessage:
    """Writes the message to the outbox in the caller's transaction; it is sent after commit.

    If the change rolls back, so does the message; if sending fails, the row stays pending.
    """
    message = OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient=recipient,
        body=body,
        kind=kind,
        redact_after_send=redact_after_send,
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
    """
    message_kind = get_kind(kind)
    language = user.language or "fa"
    rendered = render(message_kind, context, language)
    written: list[OutboxMessage | InboxItem] = []
    for channel in sorted(channels_for(user, message_kind)):
        key = f"{event_key}:{kind}:{channel}:{user.pk}"[:200]
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
                if channel == Channel.INBOX:
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
                    recipient=(user.mobile if channel == Channel.SMS else user.email) or "",
                    user=user,
                    subject=rendered.title,
                    body=rendered.body,
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


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def outbox_send(*, message_id: int) -> OutboxMessage | None:
    """Sends one message if it is still pending and due. Safe to run twice or concurrently:
    the row is locked and re-read, and a sent message is never sent again."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            reference = get_provider().send(recipient=message.recipient, body=message.body)
        except Exception as exc:  # any failure of one message must not block the others
            detail = str(exc) if isinstance(exc, SmsSendError) else type(exc).__name__
            if not isinstance(exc, SmsSendError):
                logger.exception("outbox: provider failed unexpectedly on message %s", message_id)
            message.last_error = detail[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = timezone.now() + _backoff(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return message
        message.status = OutboxStatus.SENT
        message.sent_at = timezone.now()
        message.provider_reference = reference[:100]
        message.last_error = ""
        if message.redact_after_send:
            message.body = REDACTED
        message.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "provider_reference",
                "last_error",
                "body",
            ]
        )
        return message


def outbox_flush(*, limit: int = 200) -> int:
    """Sends every pending message that is due; returns how many were tried."""
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        try:
            outbox_send(message_id=message_id)
        except Exception:  # e.g. the database hiccuped on one row: go on with the rest
            logger.exception("outbox: sending message %s failed", message_id)
    return len(due)
