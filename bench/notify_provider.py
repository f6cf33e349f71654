"""The benchmark's fake SMS provider, loaded by the Celery workers (CELERY_IMPORTS in
bench/settings_notify.py): the "fake" provider, recording each message in Redis instead of
in memory, so that the benchmark counts what both workers sent and the workers' memory
measures the sending, not the record."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from typing import Any

import redis

from kargah.notifications.sms.fake import FakeSmsProvider

SENT = "bench-notify:sent"  # hash: message fingerprint → times sent
TOTAL = "bench-notify:total"


@cache
def _redis() -> Any:
    return redis.Redis.from_url(os.environ["BENCH_NOTIFY_RECORD_URL"])


def fingerprint(recipient: str, body: str) -> str:
    return hashlib.sha1(f"{recipient}\0{body}".encode(), usedforsecurity=False).hexdigest()[:20]


def _send(self: FakeSmsProvider, *, recipient: str, body: str) -> str:
    pipe = _redis().pipeline(transaction=False)
    pipe.hincrby(SENT, fingerprint(recipient, body), 1)
    pipe.incr(TOTAL)
    _count, total = pipe.execute()
    return f"bench-{total}"


FakeSmsProvider.send = _send  # type: ignore[method-assign]
