"""SMS providers behind one small interface; `get_provider()` picks the configured one."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings


class SmsSendError(Exception):
    """The provider did not take the message. A temporary failure is tried again later; a
    permanent one (the provider refuses this number or text for good) goes to dead letter."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class DeliveryState:
    """What the provider says became of a message it took."""

    PENDING = "pending"  # still on its way: ask again later
    DELIVERED = "delivered"
    FAILED = "failed"  # it will not arrive (undelivered, blocked, cancelled…)


@dataclass(frozen=True)
class DeliveryReport:
    state: str  # a DeliveryState value
    detail: str  # the provider's own word for it, kept on the message


class SmsProvider(Protocol):
    # The provider's name: its rate limit and its delivery reports are kept under it.
    name: str
    # Whether `delivery_reports` can say anything; if not, sent messages are never asked about.
    reports_delivery: bool

    def send(self, *, recipient: str, body: str) -> str:
        """Sends one message to an E.164 number and returns the provider's reference."""
        ...

    def send_code(self, *, recipient: str, code: str, body: str) -> str:
        """Sends a sign-in code through the provider's template ("verify"/"lookup") service
        when one is configured, else as the plain `body`; returns the reference."""
        ...

    def delivery_reports(self, references: list[str]) -> dict[str, DeliveryReport]:
        """The delivery state of messages it took, by reference; unknown ones are left out."""
        ...


# A sign-in code is the only run of four or more digits in its text (Latin, Persian or Arabic).
_CODE = re.compile(r"(?<![0-9])[0-9]{4,10}(?![0-9])")
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def code_in(body: str) -> str | None:
    """The sign-in code inside an OTP message's text (in Latin digits), for the providers'
    template sending."""
    match = _CODE.search(body.translate(_LATIN_DIGITS))
    return match.group(0) if match else None


def national(recipient: str) -> str:
    """Iranian providers want the national form (09…), not E.164."""
    return "0" + recipient[3:] if recipient.startswith("+98") else recipient


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
            otp_template=settings.KAVENEGAR_OTP_TEMPLATE,
            timeout=settings.KAVENEGAR_TIMEOUT_SECONDS,
        )
    if name == "smsir":
        from kargah.notifications.sms.smsir import SmsIrProvider

        return SmsIrProvider(
            api_key=settings.SMSIR_API_KEY,
            line_number=settings.SMSIR_LINE_NUMBER,
            otp_template_id=settings.SMSIR_OTP_TEMPLATE_ID,
            otp_parameter=settings.SMSIR_OTP_PARAMETER,
            timeout=settings.SMSIR_TIMEOUT_SECONDS,
        )
    raise ValueError(f"unknown SMS provider {name!r}")


_building = threading.Lock()


def get_provider() -> SmsProvider:
    # One instance per process, even when worker threads ask for it first at the same time.
    with _building:
        return _provider(settings.KARGAH_SMS_PROVIDER)
