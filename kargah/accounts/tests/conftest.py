"""Fixtures of the accounts tests: a clock that can be moved, codes read off the fake SMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from kargah.accounts import services
from kargah.accounts.tests.support import Clock, code_in
from kargah.notifications.sms.fake import FakeSmsProvider


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # Services call `timezone.now()` through the module, so patching the module attribute
    # moves their clock (and auto_now fields) without touching the real one. Field
    # defaults such as `default=timezone.now` keep the real function; the fake clock starts
    # a minute ahead so that those real times never lie in its future (a message written
    # "now" must already be due for the outbox).
    frozen = Clock((timezone.now() + dt.timedelta(minutes=1)).replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def send_code(
    sms: FakeSmsProvider, django_capture_on_commit_callbacks: Callable
) -> Callable[..., str]:
    """Asks for a sign-in code through the service and returns the code the SMS carried.

    Sending happens after commit (through the outbox), so the commit callbacks are run.
    """

    def _send(mobile: str, ip: str | None = "127.0.0.1") -> str:
        before = len(sms.sent)
        with django_capture_on_commit_callbacks(execute=True):
            services.otp_request(mobile=mobile, ip=ip)
        assert len(sms.sent) == before + 1, "the code was not sent by SMS"
        assert sms.sent[-1].recipient == mobile
        return code_in(sms.sent[-1].body)

    return _send
