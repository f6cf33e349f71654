"""SMS providers behind one small interface; `get_provider()` picks the configured one."""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings


class SmsSendError(Exception):
    """The provider did not take the message; the outbox will try again later."""


class SmsProvider(Protocol):
    def send(self, *, recipient: str, body: str) -> str:
        """Sends one message to an E.164 number and returns the provider's reference."""
        ...


@cache
def _provider(name: str) -> SmsProvider:
    if name == "console":
        from kargah.notifications.sms.console import ConsoleSmsProvider

        return ConsoleSmsProvider()
    if name == "fake":
        from kargah.notifications.sms.fake import FakeSmsProvider

        return FakeSmsProvider()
    if name == "kavenegar":
        from kargah.notifications.sms.kavenegar import KavenegarSmsProvider

        return KavenegarSmsProvider(
            api_key=settings.KAVENEGAR_API_KEY,
            sender=settings.KAVENEGAR_SENDER,
            timeout=settings.KAVENEGAR_TIMEOUT_SECONDS,
        )
    raise ValueError(f"unknown SMS provider {name!r}")


def get_provider() -> SmsProvider:
    return _provider(settings.KARGAH_SMS_PROVIDER)
