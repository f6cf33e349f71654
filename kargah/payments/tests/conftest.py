"""Fixtures of the payments tests: the sandbox as the configured gateway, a family, a paid
sandbox attempt, and a stand-in for the enrollment hook."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from kargah.accounts.models import Family
from kargah.accounts.tests.factories import GuardianFactory
from kargah.payments import services
from kargah.payments.gateways.sandbox import sandbox_decide
from kargah.payments.models import PaymentAttempt, PaymentPurpose


@pytest.fixture(autouse=True)
def _payment_settings(settings: Any) -> None:
    settings.KARGAH_PAYMENT_GATEWAY = "sandbox"
    settings.KARGAH_SITE_URL = ""
    settings.KARGAH_PAYMENT_TTL_SECONDS = 15 * 60
    settings.ZARINPAL_MERCHANT_ID = ""
    settings.ZARINPAL_SANDBOX = False


@pytest.fixture
def family(db: None) -> Family:
    guardian = GuardianFactory.create()
    return Family.objects.get(guardian=guardian)


@pytest.fixture
def start_top_up(family: Family) -> Callable[..., PaymentAttempt]:
    def _start(amount: int = 1_200_000, *, paid: bool | None = True) -> PaymentAttempt:
        """A top-up attempt in the sandbox; `paid` True/False presses Pay/Cancel on the
        bank page, None leaves it untouched."""
        attempt = services.payment_start(
            family=family, amount=amount, purpose=PaymentPurpose.TOP_UP, return_url="/wallet/"
        )
        if paid is not None:
            assert sandbox_decide(authority=attempt.authority, pay=paid) is not None
        return attempt

    return _start


@pytest.fixture
def enrollment_hook(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replaces enrollment_on_payment_verified (written in the enrollment app) with a
    recorder; the list holds each attempt it was called with."""
    calls: list[Any] = []

    def hook(*, attempt: PaymentAttempt) -> None:
        calls.append(attempt)

    try:
        import kargah.enrollment.services_registration as enrollment_services
    except ImportError:  # the enrollment services are not written yet
        enrollment_services = types.ModuleType("kargah.enrollment.services_registration")
        monkeypatch.setitem(
            sys.modules, "kargah.enrollment.services_registration", enrollment_services
        )
    monkeypatch.setattr(enrollment_services, "enrollment_on_payment_verified", hook, raising=False)
    return calls
