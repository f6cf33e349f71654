"""The SMS providers' rate limit (messages per second), shared by every worker through Redis.

A fixed window per second: each taker adds what it wants to the second's counter and gets
what still fits. When Redis is not configured or does not answer, each process keeps its own
window instead (the limit then holds per process), and Redis is tried again a little later:
a limiter that is down must never stop the messages.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# After Redis failed, how long the process keeps to its own window before trying it again.
REDIS_RETRY_SECONDS = 5.0


class _LocalWindows:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def take(self, key: str, second: int, wanted: int, rate: int) -> int:
        with self._lock:
            window, used = self._windows.get(key, (second, 0))
            if window != second:
                used = 0
            granted = max(0, min(wanted, rate - used))
            self._windows[key] = (second, used + granted)
            return granted


_local = _LocalWindows()
_redis_down_until = 0.0


@cache
def _client(url: str) -> redis.Redis:
    # Short timeouts: a Redis that hangs must cost a batch a fraction of a second, not more.
    return redis.Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.3)


def _take_in_redis(key: str, second: int, wanted: int, rate: int) -> int | None:
    global _redis_down_until
    url = str(getattr(settings, "REDIS_URL", "") or "")
    if not url or time.monotonic() < _redis_down_until:
        return None
    window = f"kargah:sms-rate:{key}:{second}"
    try:
        pipe = _client(url).pipeline()
        pipe.incrby(window, wanted)
        pipe.expire(window, 2)
        total = int(pipe.execute()[0])
    except redis.RedisError as exc:
        _redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        logger.warning("sms rate limit: Redis unavailable (%s); limiting per process", exc)
        return None
    before = total - wanted
    return max(0, min(wanted, rate - before))


def take(provider: str, wanted: int, *, now: float | None = None) -> int:
    """How many of `wanted` messages `provider` may be sent this second (0: wait for the
    next one). A rate of 0 means no limit."""
    rate = int(settings.KARGAH_SMS_RATE_PER_SECOND)
    if rate <= 0 or wanted <= 0:
        return max(wanted, 0)
    second = int(time.time() if now is None else now)
    granted = _take_in_redis(provider, second, wanted, rate)
    if granted is None:
        granted = _local.take(provider, second, wanted, rate)
    return granted


def wait_for_next_second() -> None:
    time.sleep(max(0.0, 1.0 - (time.time() % 1.0)) + 0.001)


def reset() -> None:
    """Forgets the local windows and Redis's failure (tests)."""
    global _redis_down_until
    _local._windows.clear()
    _redis_down_until = 0.0
