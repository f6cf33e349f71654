"""Stand-ins for a cache and a broker that are down, for the fault tests (issue 8, item 6)."""

from __future__ import annotations

from typing import Any

import redis.exceptions
from django.core.cache.backends.base import BaseCache
from kombu.exceptions import OperationalError


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Refused.")


class DownRedisCache(BaseCache):
    """A cache backend whose every call fails as redis-py does when Redis is down."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    add = get = set = touch = delete = clear = incr = decr = has_key = _refused
    get_many = set_many = delete_many = get_or_set = _refused


DOWN_CACHES = {
    "default": {"BACKEND": "kargah.testing.faults.DownRedisCache"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}


def broker_down(*args: Any, **kwargs: Any) -> Any:
    """In place of a task's `delay`/`apply_async`: the broker refuses, as kombu says it."""
    raise OperationalError("[Errno 111] Connection refused")
