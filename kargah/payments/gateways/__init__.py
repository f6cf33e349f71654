"""The payment gateway interface: one module per provider, chosen by name.

A gateway does two things, both server-to-server: `request` registers a payment and says
where to send the family to pay; `verify` asks whether that payment was really made (and
settles it). Nothing the family's browser brings back is trusted; the callback only says
which attempt to ask about.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kargah.core.errors import DomainError


@dataclass(frozen=True)
class GatewayRequest:
    authority: str
    redirect_url: str


@dataclass(frozen=True)
class GatewayVerify:
    # True when the gateway confirms the money was paid for this authority and amount,
    # including when it was confirmed before (`already_verified`, Zarinpal's code 101).
    ok: bool
    ref_id: str = ""
    already_verified: bool = False
    # The gateway's own words, for the attempt's failure reason and the logs (no secrets).
    message: str = ""


class GatewayError(DomainError):
    """The gateway could not be reached, timed out or answered nonsense. `message` is for
    the family; `detail` is for the logs and the attempt (never holds a secret)."""

    http_status = 503
    code = "gateway_error"

    def __init__(self, detail: str, message: object = None) -> None:
        super().__init__(
            message
            or _("The payment gateway is not answering. Please try again in a few minutes."),
        )
        self.detail = detail


class Gateway(Protocol):
    name: str

    def request(
        self, *, amount: int, callback_url: str, description: str, mobile: str | None
    ) -> GatewayRequest: ...

    def verify(self, *, authority: str, amount: int) -> GatewayVerify: ...


# Each provider's class; the key is what `PaymentAttempt.gateway` stores.
PROVIDERS = {
    "sandbox": "kargah.payments.gateways.sandbox.SandboxGateway",
    "zarinpal": "kargah.payments.gateways.zarinpal.ZarinpalGateway",
}


class UnknownGateway(DomainError):
    code = "unknown_gateway"


def configured_gateway_name() -> str:
    return str(getattr(settings, "KARGAH_PAYMENT_GATEWAY", "sandbox"))


def sandbox_enabled() -> bool:
    """The simulated bank exists only where it is the configured gateway and the settings
    allow it (the demo, a developer, a staging site: KARGAH_ALLOW_SANDBOX_GATEWAY): a site
    set up to take real money, or one left unconfigured, cannot be paid with pretend money.
    `check --deploy` refuses it too (kargah.core.checks)."""
    return configured_gateway_name() == "sandbox" and bool(
        getattr(settings, "KARGAH_ALLOW_SANDBOX_GATEWAY", False)
    )


def get_gateway(name: str | None = None) -> Gateway:
    """The gateway called `name`, or the configured one."""
    name = name or configured_gateway_name()
    path = PROVIDERS.get(name)
    if path is None or (name == "sandbox" and not sandbox_enabled()):
        raise UnknownGateway(_("This payment gateway is not available."))
    module_name, class_name = path.rsplit(".", 1)
    gateway: Gateway = getattr(import_module(module_name), class_name)()
    return gateway
