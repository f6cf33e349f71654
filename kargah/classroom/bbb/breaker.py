"""A circuit breaker for the classroom server, its state in the shared Django cache.

After `KARGAH_BBB_BREAKER_FAILURES` failures in a row every call fails at once for
`KARGAH_BBB_BREAKER_SECONDS`; then one trial call goes through (half-open): success closes
the breaker, failure opens it again. The state lives in the default cache (Redis in
production) so that every web and worker process sees the same breaker. Written here
rather than taken from pybreaker, whose shared storage is Redis only, not Django's cache.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

FAILURES_KEY = "classroom:bbb:breaker:failures"
OPEN_UNTIL_KEY = "classroom:bbb:breaker:open-until"
TRIAL_KEY = "classroom:bbb:breaker:trial"


class CircuitOpen(Exception):
    """The breaker is open: the call is not made."""


def _cache_may_fail(function: F) -> F:
    """The cache is a helper (docs/architecture.md, Faults): a Redis that is down leaves the
    breaker closed, logged, and the call goes on."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CircuitOpen:
            raise
        except Exception as exc:
            logger.warning("classroom breaker: cache unavailable (%s)", type(exc).__name__)
            return None

    return wrapper  # type: ignore[return-value]


def _seconds() -> float:
    return float(settings.KARGAH_BBB_BREAKER_SECONDS)


@_cache_may_fail
def before_call() -> None:
    """Raises CircuitOpen while the breaker is open; lets one trial call through after."""
    open_until = cache.get(OPEN_UNTIL_KEY)
    if open_until is None:
        return
    if time.time() < float(open_until):
        raise CircuitOpen
    # Half-open: only the caller that wins the add() makes the trial call.
    if not cache.add(TRIAL_KEY, 1, timeout=max(1, int(_seconds()))):
        raise CircuitOpen


@_cache_may_fail
def record_success() -> None:
    if cache.get(OPEN_UNTIL_KEY) is not None or cache.get(FAILURES_KEY):
        cache.delete_many([FAILURES_KEY, OPEN_UNTIL_KEY, TRIAL_KEY])


@_cache_may_fail
def record_failure() -> None:
    cache.add(FAILURES_KEY, 0, timeout=None)
    try:
        failures = cache.incr(FAILURES_KEY)
    except ValueError:  # the key was evicted between add and incr
        cache.set(FAILURES_KEY, 1, timeout=None)
        failures = 1
    if failures >= int(settings.KARGAH_BBB_BREAKER_FAILURES):
        cache.set(OPEN_UNTIL_KEY, time.time() + _seconds(), timeout=None)
        cache.delete(TRIAL_KEY)


@_cache_may_fail
def is_open() -> bool:
    open_until = cache.get(OPEN_UNTIL_KEY)
    return open_until is not None and time.time() < float(open_until)


@_cache_may_fail
def reset() -> None:
    cache.delete_many([FAILURES_KEY, OPEN_UNTIL_KEY, TRIAL_KEY])
