"""The production path of background work: a committed message goes through Redis to a
separate Celery worker process, which sends it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import app as celery_app
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import sms_queue

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _forget_connections() -> None:
    """Eager calls earlier in the run opened the app's producer pool on the memory broker;
    Celery keeps it, so it is dropped here and reopened on the broker now configured."""
    celery_app.close()
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker_queue(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Celery worker process on a queue of this test's own, with the console SMS provider,
    whose output lands in a file the test reads."""
    queue = f"kargah-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "KARGAH_TEST_CELERY_EAGER": "false",
        "KARGAH_TEST_CELERY_BROKER": os.environ["REDIS_URL"],
        "KARGAH_TEST_SMS_PROVIDER": "console",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
        "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO",
    ]  # fmt: skip
    with log.open("w") as out:
        worker = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    saved = {
        k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")
    }
    celery_app.conf.update(
        broker_url=os.environ["REDIS_URL"], task_always_eager=False, task_default_queue=queue
    )
    _forget_connections()
    try:
        yield queue, log
    finally:
        celery_app.conf.update(saved)
        _forget_connections()
        worker.terminate()
        worker.wait(timeout=20)


def test_a_committed_message_travels_through_redis_and_is_sent(worker_queue):
    _queue, log = worker_queue
    with transaction.atomic():
        message = sms_queue(recipient="+989121234567", body="آزمایش صف", kind="test")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == OutboxStatus.SENT:
            break
        time.sleep(0.2)

    output = log.read_text()
    assert message.status == OutboxStatus.SENT, output[-2000:]
    assert message.provider_reference
    # The worker process, not this one, sent it: its console provider printed the text.
    assert "SMS to +989121234567" in output
    assert "آزمایش صف" in output
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 0
