"""Several workers drain the same outbox on PostgreSQL: each message is sent once. The control
runs claim without the row locks and show the duplicates the locks prevent."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from kargah.notifications import delivery
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import outbox_flush, outbox_send
from kargah.notifications.sms.fake import FakeSmsProvider
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MESSAGES = 120


def _fill() -> list[int]:
    now = timezone.now()
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            recipient=f"+98912{i:07d}", body=f"یادآوری کلاس {i}", kind="test", next_attempt_at=now
        )
        for i in range(MESSAGES)
    )
    return [row.pk for row in rows]


def _unlocked_claim(*, limit: int, now, message_id: int | None = None) -> list[OutboxMessage]:
    """The claim as it would be without FOR UPDATE SKIP LOCKED: a plain read."""
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    if message_id is not None:
        due = due.filter(pk=message_id)
    return list(due.order_by("next_attempt_at", "id")[:limit])


def _drain() -> None:
    outbox_flush(batch_size=20)


def _sends_per_message(sms: FakeSmsProvider) -> Counter[str]:
    return Counter(s.recipient for s in sms.sent)


def test_two_workers_draining_the_outbox_send_each_message_once(sms: FakeSmsProvider):
    require_postgresql()
    _fill()
    sms.latency = 0.003  # as an HTTP call: the workers' batches overlap in time

    assert run_concurrently([_drain, _drain]) == ["ok", "ok"]

    sends = _sends_per_message(sms)
    assert len(sends) == MESSAGES
    assert set(sends.values()) == {1}
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == MESSAGES
    assert OutboxMessage.objects.filter(attempts=1).count() == MESSAGES


def test_control_without_the_row_locks_two_workers_send_duplicates(
    sms: FakeSmsProvider, monkeypatch: pytest.MonkeyPatch
):
    require_postgresql()
    _fill()
    sms.latency = 0.003
    monkeypatch.setattr(delivery, "_claim", _unlocked_claim)

    assert run_concurrently([_drain, _drain]) == ["ok", "ok"]

    sends = _sends_per_message(sms)
    assert len(sends) == MESSAGES  # every message went out…
    assert max(sends.values()) == 2  # …and some of them twice


def test_the_fast_path_and_a_flush_racing_send_each_message_once(sms: FakeSmsProvider):
    require_postgresql()
    ids = _fill()
    sms.latency = 0.002

    def fast_path() -> None:
        for message_id in ids:
            outbox_send(message_id=message_id)

    assert run_concurrently([fast_path, _drain, _drain]) == ["ok", "ok", "ok"]

    sends = _sends_per_message(sms)
    assert len(sends) == MESSAGES
    assert set(sends.values()) == {1}


def test_control_the_fast_path_without_the_row_lock_races_the_flush(
    sms: FakeSmsProvider, monkeypatch: pytest.MonkeyPatch
):
    require_postgresql()
    ids = _fill()
    sms.latency = 0.002
    monkeypatch.setattr(delivery, "_claim", _unlocked_claim)

    def fast_path() -> None:
        for message_id in ids:
            outbox_send(message_id=message_id)

    assert run_concurrently([fast_path, _drain]) == ["ok", "ok"]

    assert max(_sends_per_message(sms).values()) == 2
