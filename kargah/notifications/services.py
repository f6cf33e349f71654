"""Writes of the notifications app: queue a message, send one, flush what is due."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from kargah.notifications.models import Channel, OutboxMessage, OutboxStatus
from kargah.notifications.sms import SmsSendError, get_provider

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
