"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.utils import translation

from kargah.notifications.sms import get_provider
from kargah.notifications.sms.fake import FakeSmsProvider

_real_connect = socket.socket.connect

# Tests that need a real service run where it is configured. Locally (SQLite, no Redis) they
# are left out with a note; in CI (CI=true) a missing service fails the run instead.
_SERVICE_MARKERS = {
    "postgres": (
        lambda: settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "DATABASE_URL does not point at PostgreSQL",
    ),
    "redis": (lambda: bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    left_out: list[pytest.Item] = []
    for marker, (available, why) in _SERVICE_MARKERS.items():
        if available():
            continue
        needing = [item for item in items if item.get_closest_marker(marker)]
        if not needing:
            continue
        if os.environ.get("CI"):
            raise pytest.UsageError(f"CI must run the {marker} tests, but {why}")
        left_out.extend(needing)
        print(f"\nkargah: {len(needing)} {marker} tests left out locally: {why}")
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    """No outside network in tests: only this machine (the database, Redis, live servers)."""
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host in ("localhost", "::1", "") or host.startswith("127.") or host.startswith("/")
    ):
        raise RuntimeError(f"tests may not reach the outside network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_outside_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign, assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def sms() -> Iterator[FakeSmsProvider]:
    """The fake SMS provider, emptied for each test."""
    provider = get_provider()
    assert isinstance(provider, FakeSmsProvider)
    provider.reset()
    cache.clear()
    caches["local"].clear()
    yield provider
    provider.reset()


@pytest.fixture(autouse=True)
def _persian_again() -> Iterator[None]:
    """Each test starts in Persian, as the site does: a request with the English cookie
    leaves English active in the thread (the middleware activates, never deactivates), and
    a later test that formats a date without a request would speak it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
