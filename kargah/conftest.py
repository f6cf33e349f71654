"""Fixtures shared by every app's tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from kargah.notifications.sms import get_provider
from kargah.notifications.sms.fake import FakeSmsProvider

_real_connect = socket.socket.connect


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
    yield provider
    provider.reset()
