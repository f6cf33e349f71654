"""Named locks (kargah.core.locks): taken only inside a transaction; on PostgreSQL held to
the end of it, serialising holders of one key, and a caller that waits longer than the lock
timeout is told the system is busy (503) instead of hanging."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from kargah.core import locks
from kargah.core.locks import Busy, lock_keys
from kargah.testing.races import require_postgresql, run_concurrently


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        lock_keys(("offering-seats", "1"))


def _hold(keys, seconds):
    def action():
        with transaction.atomic():
            lock_keys(*keys)
            time.sleep(seconds)

    return action


def _late(keys):
    def action():
        time.sleep(0.2)  # the holder has the lock by now
        with transaction.atomic():
            lock_keys(*keys)

    return action


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_caller_that_waits_past_the_timeout_is_busy(monkeypatch):
    require_postgresql()
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_MS", 300)
    key = ("offering-seats", "busy-test")

    outcomes = run_concurrently([_hold([key], 1.5), _late([key])])

    assert outcomes == ["ok", Busy.code]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_second_holder_of_a_key_waits_for_the_first(monkeypatch):
    """Control for the test above: with the holder done before the timeout, the second
    caller gets the lock; and a lock on another key is never waited for."""
    require_postgresql()
    key, other = ("wallet", "w-1"), ("wallet", "w-2")
    started = time.monotonic()

    outcomes = run_concurrently([_hold([key, other], 0.6), _late([key]), _late([("x", "y")])])

    assert outcomes == ["ok", "ok", "ok"]
    assert time.monotonic() - started >= 0.6
