"""Sending the outbox: claim due messages in batches, send each by its channel, write back.

Several workers drain the same outbox at once: each claims a batch with `SELECT … FOR UPDATE
SKIP LOCKED` (rows another worker holds are skipped, not waited for), sends it and writes the
outcome in one bulk update before the locks are released, so each message is sent once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kargah.core.models import AuditLogEntry
from kargah.core.services import audit_entry, audit_records
from kargah.notifications import ratelimit
from kargah.notifications.models import Channel, InboxItem, OutboxMessage, OutboxStatus
from kargah.notifications.quiet import quiet_until
from kargah.notifications.sms import DeliveryState, SmsProvider, SmsSendError, code_in, get_provider
from kargah.notifications.sms.parts import sms_cost_rials, sms_parts

logger = logging.getLogger("kargah.notifications.services")

MAX_ATTEMPTS = 12
REDACTED = "[redacted]"
# The sign-in code kind: sent through the providers' template service when one is set.
OTP_KIND = "otp"
# Written back after each batch (one UPDATE for the batch).
FIELDS = [
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "provider_reference",
    "body",
    "parts",
    "cost_rials",
    "delivery_status",
    "delivered_at",
]
# A sent SMS is first asked about a minute later; the wait grows with its age, up to an hour.
FIRST_DELIVERY_CHECK = dt.timedelta(minutes=1)
LONGEST_DELIVERY_CHECK = dt.timedelta(hours=1)


def max_attempts() -> int:
    return int(getattr(settings, "KARGAH_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 30 s, doubling, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _claim(*, limit: int, now: dt.datetime, message_id: int | None = None) -> list[OutboxMessage]:
    """Locks up to `limit` due messages, oldest first, skipping those another worker holds."""
    due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
        status=OutboxStatus.PENDING, next_attempt_at__lte=now
    )
    if message_id is not None:
        due = due.filter(pk=message_id)
    return list(due.order_by("next_attempt_at", "id")[:limit])


class _Batch:
    """The outcome of sending one claimed batch, written back in one update."""

    def __init__(self) -> None:
        self.changed: list[OutboxMessage] = []
        self.dead: list[AuditLogEntry] = []
        self.held = 0  # SMS over the provider's rate limit: left due, untouched

    def fail(
        self, message: OutboxMessage, error: str, *, permanent: bool, now: dt.datetime
    ) -> None:
        message.last_error = error[:500]
        if permanent or message.attempts >= max_attempts():
            message.status = OutboxStatus.FAILED  # dead letter: last_error says why
            if message.redact_after_send:
                message.body = REDACTED  # a code that will never be sent is not kept either
            self.dead.append(
                audit_entry(
                    actor=None, action="outbox.dead_letter", obj=message, reason=error[:500]
                )
            )
        else:
            message.next_attempt_at = now + backoff(message.attempts)
        self.changed.append(message)

    def sent(self, message: OutboxMessage, reference: str) -> None:
        message.status = OutboxStatus.SENT
        message.sent_at = timezone.now()
        message.provider_reference = reference[:100]
        message.last_error = ""
        if message.redact_after_send:
            message.body = REDACTED
        self.changed.append(message)

    def write(self) -> None:
        if self.changed:
            _write_back(self.changed)
        if self.dead:
            audit_records(*self.dead)


# The PostgreSQL array type of each written field, for the one UPDATE … FROM unnest(…).
_ARRAY_TYPES = {
    "status": "text[]",
    "attempts": "int[]",
    "next_attempt_at": "timestamptz[]",
    "last_error": "text[]",
    "sent_at": "timestamptz[]",
    "provider_reference": "text[]",
    "body": "text[]",
    "parts": "int[]",
    "cost_rials": "bigint[]",
    "delivery_status": "text[]",
    "delivered_at": "timestamptz[]",
}


def _write_back(messages: list[OutboxMessage]) -> None:
    """Writes the batch's outcome in one statement. Django's bulk_update builds a CASE per
    field and row, which cost more than the sending itself; on PostgreSQL one UPDATE joins
    the rows to arrays of their new values instead."""
    if connection.vendor != "postgresql":
        OutboxMessage.objects.bulk_update(messages, FIELDS)
        return
    meta = OutboxMessage._meta
    column_of = {field.name: field.column for field in meta.concrete_fields}
    columns = [column_of[name] for name in FIELDS]
    assignments = ", ".join(f'"{column}" = v."{column}"' for column in columns)
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{_ARRAY_TYPES[name]}" for name in FIELDS])
    names = ", ".join(['"id"'] + [f'"{column}"' for column in columns])
    sql = (
        f'UPDATE "{meta.db_table}" AS o SET {assignments} '  # noqa: S608 (names from the model)
        f"FROM unnest({arrays}) AS v({names}) WHERE o.id = v.id"
    )
    params: list[list[Any]] = [[m.pk for m in messages]]
    params += [[getattr(m, name) for m in messages] for name in FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _send(messages: list[OutboxMessage], now: dt.datetime, *, wait_for_rate: bool) -> _Batch:
    batch = _Batch()
    sms: list[OutboxMessage] = []
    emails: list[OutboxMessage] = []
    inbox: list[OutboxMessage] = []
    for message in messages:
        if message.channel == Channel.INBOX:
            inbox.append(message)
        elif not message.recipient:
            message.attempts += 1
            batch.fail(message, "no recipient (no mobile or e-mail)", permanent=True, now=now)
        elif message.channel == Channel.SMS:
            morning = None if message.quiet_exempt else quiet_until(now)
            if morning is not None:
                message.next_attempt_at = morning  # not an attempt: it waits for the morning
                batch.changed.append(message)
            else:
                sms.append(message)
        elif message.channel == Channel.EMAIL:
            emails.append(message)
        else:
            message.attempts += 1
            batch.fail(
                message, f"no sending for channel {message.channel!r}", permanent=True, now=now
            )
    if sms:
        _send_sms(sms, now, batch, wait_for_rate=wait_for_rate)
    if emails:
        _send_emails(emails, now, batch)
    if inbox:
        _deliver_to_inbox(inbox, batch)
    return batch


def _deliver_to_inbox(messages: list[OutboxMessage], batch: _Batch) -> None:
    """A scheduled inbox message (a reminder) becomes an inbox item when due, and the
    header's unread badge counts it (`User.inbox_unread`), as `notify` does for one told now.
    The item takes the message's event key: a message delivered twice (a worker that died
    before its write-back) is one item, counted once, since only new rows are returned."""
    rows = [m for m in messages if m.user_id is not None]
    if rows:
        now = timezone.now()
        table = InboxItem._meta.db_table
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        params: list[Any] = []
        for m in rows:
            params += [m.user_id, m.kind, m.subject[:200], m.body, m.link, m.dedupe_key, now]
        with connection.cursor() as cursor:
            # Only the table's name and the placeholders are formatted in; values are parameters.
            sql = (
                f"INSERT INTO {table} (user_id, kind, title, body, link, dedupe_key, created_at) "  # noqa: S608
                f"VALUES {values} ON CONFLICT DO NOTHING RETURNING user_id"
            )
            cursor.execute(sql, params)
            new_per_user = Counter(user_id for (user_id,) in cursor.fetchall())
        for user_id, count in new_per_user.items():
            get_user_model().objects.filter(pk=user_id).update(
                inbox_unread=F("inbox_unread") + count
            )
    for message in messages:
        message.attempts += 1
        batch.sent(message, f"inbox:{message.user_id}")


def _send_sms(
    messages: list[OutboxMessage], now: dt.datetime, batch: _Batch, *, wait_for_rate: bool
) -> None:
    provider = get_provider()
    granted = ratelimit.take(provider.name, len(messages))
    if granted == 0 and wait_for_rate:
        ratelimit.wait_for_next_second()
        granted = ratelimit.take(provider.name, len(messages))
    batch.held += len(messages) - granted
    for message in messages[:granted]:
        message.attempts += 1
        text = message.body
        try:
            reference = _send_one_sms(provider, message)
        except Exception as exc:  # any failure of one message must not block the others
            permanent = isinstance(exc, SmsSendError) and exc.permanent
            if not isinstance(exc, SmsSendError):
                logger.exception("outbox: provider failed unexpectedly on message %s", message.pk)
            detail = str(exc) if isinstance(exc, SmsSendError) else type(exc).__name__
            batch.fail(message, detail, permanent=permanent, now=now)
            continue
        message.parts = sms_parts(text)
        message.cost_rials = sms_cost_rials(message.parts)
        batch.sent(message, reference)
        if provider.reports_delivery and message.sent_at is not None:
            message.next_attempt_at = message.sent_at + FIRST_DELIVERY_CHECK


def _send_one_sms(provider: SmsProvider, message: OutboxMessage) -> str:
    code = code_in(message.body) if message.kind == OTP_KIND else None
    if code is not None:
        return provider.send_code(recipient=message.recipient, code=code, body=message.body)
    return provider.send(recipient=message.recipient, body=message.body)


def _send_emails(messages: list[OutboxMessage], now: dt.datetime, batch: _Batch) -> None:
    mail_connection = get_connection()
    try:
        for message in messages:
            message.attempts += 1
            reference = make_msgid(domain=settings.KARGAH_EMAIL_DOMAIN)
            with translation.override(message.language or "fa"):
                subject = message.subject or _("A message from Kargah")
            email = EmailMessage(
                subject=subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.recipient],
                headers={"Message-ID": reference},
                connection=mail_connection,
            )
            try:
                email.send()
            except Exception as exc:  # the mail server refused or is down: retried later
                logger.warning("outbox: e-mail %s failed: %s", message.pk, type(exc).__name__)
                batch.fail(
                    message, f"e-mail: {type(exc).__name__}: {exc}", permanent=False, now=now
                )
                continue
            batch.sent(message, reference)
    finally:
        try:
            mail_connection.close()
        except Exception:  # closing a broken connection must not undo what was sent
            logger.warning("outbox: closing the e-mail connection failed")


def send_one(message_id: int) -> OutboxMessage | None:
    """Sends one message if it is still pending and due (the after-commit fast path). Safe to
    run twice or concurrently: the row is locked and re-read, and a sent one is left alone."""
    with transaction.atomic():
        claimed = _claim(limit=1, now=timezone.now(), message_id=message_id)
        if not claimed:
            return None
        batch = _send(claimed, timezone.now(), wait_for_rate=True)
        batch.write()
        return claimed[0]


def flush(
    *, limit: int | None = None, batch_size: int | None = None, seconds: float | None = None
) -> int:
    """Sends every due message, batch after batch, until none is due, `limit` were handled or
    `seconds` have passed; returns how many were handled (sent, failed or held till morning)."""
    size = int(batch_size or settings.KARGAH_OUTBOX_BATCH_SIZE)
    budget = float(seconds if seconds is not None else settings.KARGAH_OUTBOX_FLUSH_SECONDS)
    deadline = time.monotonic() + budget
    handled = 0
    while limit is None or handled < limit:
        wanted = size if limit is None else min(size, limit - handled)
        try:
            with transaction.atomic():
                claimed = _claim(limit=wanted, now=timezone.now())
                batch = _send(claimed, timezone.now(), wait_for_rate=False)
                batch.write()
        except Exception:  # e.g. the database hiccuped: the next flush tries again
            logger.exception("outbox: a batch failed; its messages stay pending")
            break
        handled += len(batch.changed)
        if not claimed or time.monotonic() >= deadline:
            break
        if not batch.changed and batch.held:
            ratelimit.wait_for_next_second()  # all over the rate limit: the next second's turn
    return handled


def check_delivery(*, limit: int = 500) -> int:
    """Asks the provider what became of sent SMS it has not reported on yet and records it:
    delivered, or failed (dead letter, with the provider's word). Returns how many it asked
    about. Messages older than KARGAH_SMS_DELIVERY_CHECK_HOURS are no longer asked about."""
    provider = get_provider()
    if not provider.reports_delivery:
        return 0
    now = timezone.now()
    since = now - dt.timedelta(hours=float(settings.KARGAH_SMS_DELIVERY_CHECK_HOURS))
    with transaction.atomic():
        # For a sent SMS, `next_attempt_at` is when to ask about its delivery next.
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                channel=Channel.SMS,
                status=OutboxStatus.SENT,
                next_attempt_at__lte=now,
                sent_at__gte=since,
            )
            .exclude(provider_reference="")
            .order_by("next_attempt_at", "id")[:limit]
        )
        if not rows:
            return 0
        try:
            reports = provider.delivery_reports([row.provider_reference for row in rows])
        except Exception as exc:  # the provider is down: ask again in a few minutes
            logger.warning("outbox: delivery reports failed: %s", exc)
            reports = {}
        batch = _Batch()
        for row in rows:
            report = reports.get(row.provider_reference)
            if report is not None and report.state == DeliveryState.DELIVERED:
                row.status = OutboxStatus.DELIVERED
                row.delivered_at = now
                row.delivery_status = report.detail[:40]
            elif report is not None and report.state == DeliveryState.FAILED:
                row.delivery_status = report.detail[:40]
                batch.fail(row, f"not delivered: {report.detail}", permanent=True, now=now)
                continue
            else:
                if report is not None and report.detail:
                    row.delivery_status = report.detail[:40]
                age = now - (row.sent_at or now)
                row.next_attempt_at = now + max(
                    FIRST_DELIVERY_CHECK, min(age / 2, LONGEST_DELIVERY_CHECK)
                )
            batch.changed.append(row)
        batch.write()
    return len(rows)
