"""The production path of background work: a message queued through Redis is sent by a worker."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery import app as celery_app
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import sms_queue

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_worker() -> Iterator[None]:
    """A real Celery worker thread consuming from the Redis broker named by REDIS_URL."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=os.environ["REDIS_URL"], task_always_eager=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.update(saved)


def test_a_committed_message_travels_through_redis_and_is_sent(redis_worker, sms):
    with transaction.atomic():
        message = sms_queue(recipient="+989121234567", body="آزمایش صف", kind="test")

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == OutboxStatus.SENT:
            break
        time.sleep(0.1)

    assert message.status == OutboxStatus.SENT
    assert [s.body for s in sms.sent] == ["آزمایش صف"]
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 0
