"""The SMS outbox: written with the change, sent after commit, retried with back-off."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from kargah.notifications import services, tasks
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import MAX_ATTEMPTS, REDACTED, outbox_flush, sms_queue
from kargah.notifications.sms.fake import FakeSmsProvider

pytestmark = pytest.mark.django_db

MOBILE = "+989121234567"


class _Boom(Exception):
    pass


@pytest.fixture
def move_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dt.timedelta], None]]:
    """Moves `timezone.now()` forward by a given amount (cumulatively) for the services."""
    real_now = timezone.now
    offset = dt.timedelta(0)

    def fake_now() -> dt.datetime:
        return real_now() + offset

    def move(by: dt.timedelta) -> None:
        nonlocal offset
        offset += by

    monkeypatch.setattr(timezone, "now", fake_now)
    yield move


def _queue_committed(django_capture_on_commit_callbacks, **kwargs) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = sms_queue(recipient=MOBILE, **kwargs)
    message.refresh_from_db()
    return message


def test_rolled_back_change_leaves_no_message_and_sends_nothing(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(_Boom),
        transaction.atomic(),
    ):
        sms_queue(recipient=MOBILE, body="سلام", kind="test")
        assert OutboxMessage.objects.count() == 1  # written in the change's transaction
        raise _Boom

    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert sms.sent == []


def test_message_is_sent_only_after_commit(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = sms_queue(recipient=MOBILE, body="کلاس فردا ساعت ۱۶ است.", kind="reminder")
        # The transaction is committed but the callbacks have not run yet.
        assert sms.sent == []
        assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING

    assert len(callbacks) == 1
    assert [(s.recipient, s.body) for s in sms.sent] == [(MOBILE, "کلاس فردا ساعت ۱۶ است.")]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.provider_reference == sms.sent[0].reference == "fake-1"
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""
    assert message.body == "کلاس فردا ساعت ۱۶ است."  # not a code: kept


def test_provider_down_keeps_message_pending_with_back_off(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks
):
    sms.down = True
    before = timezone.now()
    message = _queue_committed(django_capture_on_commit_callbacks, body="متن", kind="test")

    assert sms.sent == []
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "down" in message.last_error
    assert message.sent_at is None
    # The first retry waits 30 seconds.
    assert message.next_attempt_at >= before + dt.timedelta(seconds=30)
    assert message.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)


def test_flush_sends_a_delayed_message_exactly_once_when_it_is_due(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks, move_clock
):
    sms.down = True
    message = _queue_committed(django_capture_on_commit_callbacks, body="متن", kind="test")
    sms.down = False

    # Not due yet: the flush leaves it alone even though the provider is back.
    assert outbox_flush() == 0
    assert sms.sent == []

    move_clock(dt.timedelta(seconds=31))
    assert outbox_flush() == 1
    assert [s.body for s in sms.sent] == ["متن"]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert message.provider_reference == "fake-1"

    # Later flushes and a late duplicate task do not send it again.
    move_clock(dt.timedelta(hours=2))
    assert outbox_flush() == 0
    tasks.outbox_send(message.pk)
    assert len(sms.sent) == 1


def test_back_off_doubles_and_is_capped_at_an_hour(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks, move_clock
):
    sms.down = True
    message = _queue_committed(django_capture_on_commit_callbacks, body="متن", kind="test")
    waits = []
    for _ in range(8):
        message.refresh_from_db()
        move_clock(message.next_attempt_at - timezone.now())
        started = timezone.now()
        assert outbox_flush() == 1
        message.refresh_from_db()
        waits.append(round((message.next_attempt_at - started).total_seconds()))
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_outbox_send_twice_sends_once(sms: FakeSmsProvider):
    message = OutboxMessage.objects.create(recipient=MOBILE, body="یک بار", kind="test")

    tasks.outbox_send(message.pk)
    assert services.outbox_send(message_id=message.pk) is None
    tasks.outbox_send(message.pk)

    assert [s.body for s in sms.sent] == ["یک بار"]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1


def test_gives_up_after_max_attempts(sms: FakeSmsProvider):
    sms.down = True
    message = OutboxMessage.objects.create(recipient=MOBILE, body="متن", kind="test")

    for attempt in range(1, MAX_ATTEMPTS):
        # Each try comes when the back-off has passed.
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        services.outbox_send(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == attempt

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    services.outbox_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert message.last_error

    # A failed message is left alone, even once the provider is back.
    sms.down = False
    assert services.outbox_send(message_id=message.pk) is None
    assert outbox_flush() == 0
    assert sms.sent == []
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS


def test_sign_in_codes_are_blanked_once_sent(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks
):
    message = _queue_committed(
        django_capture_on_commit_callbacks,
        body="کد ورود: 123456",
        kind="otp",
        redact_after_send=True,
    )

    assert [s.body for s in sms.sent] == ["کد ورود: 123456"]
    assert message.status == OutboxStatus.SENT
    assert message.body == REDACTED
    assert not OutboxMessage.objects.filter(body__contains="123456").exists()


def test_a_code_is_not_blanked_while_it_waits_for_the_provider(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks, move_clock
):
    sms.down = True
    message = _queue_committed(
        django_capture_on_commit_callbacks, body="کد: 654321", kind="otp", redact_after_send=True
    )
    assert message.body == "کد: 654321"  # still needed for the retry

    sms.down = False
    move_clock(dt.timedelta(minutes=1))
    outbox_flush()
    message.refresh_from_db()
    assert [s.body for s in sms.sent] == ["کد: 654321"]
    assert message.body == REDACTED


def test_broker_down_is_swallowed_and_the_flush_sends_later(
    sms: FakeSmsProvider,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.outbox_send, "delay", broker_down)
    monkeypatch.setattr(tasks.outbox_send, "apply_async", broker_down)
    caplog.set_level(logging.WARNING, logger="kargah.notifications.services")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = sms_queue(recipient=MOBILE, body="متن", kind="test")

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert sms.sent == []
    assert any(
        r.name == "kargah.notifications.services" and str(message.pk) in r.getMessage()
        for r in caplog.records
    )

    monkeypatch.undo()
    assert outbox_flush() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert [s.body for s in sms.sent] == ["متن"]


def test_flush_sends_oldest_due_first_and_respects_the_limit(sms: FakeSmsProvider):
    now = timezone.now()
    for minutes, body in [(3, "سوم"), (10, "اول"), (5, "دوم")]:
        OutboxMessage.objects.create(
            recipient=MOBILE,
            body=body,
            kind="test",
            next_attempt_at=now - dt.timedelta(minutes=minutes),
        )
    OutboxMessage.objects.create(
        recipient=MOBILE, body="آینده", kind="test", next_attempt_at=now + dt.timedelta(hours=1)
    )

    assert outbox_flush(limit=2) == 2
    assert [s.body for s in sms.sent] == ["اول", "دوم"]
    assert tasks.outbox_flush() == 1
    assert [s.body for s in sms.sent] == ["اول", "دوم", "سوم"]
    assert OutboxMessage.objects.get(body="آینده").status == OutboxStatus.PENDING
