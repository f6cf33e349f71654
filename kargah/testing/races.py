"""The one way race tests start simultaneous requests, each on its own database connection."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from django.db import connection

from kargah.core.errors import DomainError


def require_postgresql() -> None:
    assert connection.vendor == "postgresql", (
        "this race test needs PostgreSQL row and advisory locks; run it with "
        "DATABASE_URL=postgres://… (SQLite serialises writers and would prove nothing)"
    )


def run_concurrently(actions: list[Callable[[], object]], *, timeout: float = 60) -> list[str]:
    """Runs the actions at the same moment, one thread (and connection) each; returns each
    one's outcome in order: "ok", a DomainError code, or the repr of anything else."""
    barrier = threading.Barrier(len(actions))
    outcomes = [""] * len(actions)

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            actions[i]()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        except Exception as exc:  # reported through the outcomes, so the test fails clearly
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a request thread hung"
    return outcomes


def run_n_concurrently(action: Callable[[int], object], threads: int) -> list[str]:
    """`threads` requests run `action(i)` at the same moment (see run_concurrently)."""
    return run_concurrently([functools.partial(action, i) for i in range(threads)])
