"""What a verified payment settles, per purpose: registered by the app that owns the purpose.

The payments app credits the family's wallet and then hands the verified attempt to the
handler registered for its purpose (the enrollment app registers "enrollment" in its
`AppConfig.ready()`), so payments never imports the apps it pays for and no two apps import
each other. A handler runs inside the callback's transaction, under a savepoint the caller
opens; it raises DomainError to refuse (the money stays in the wallet) or Busy to have the
whole callback repeated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kargah.payments.models import PaymentAttempt


class SettlementHandler(Protocol):
    def __call__(self, *, attempt: PaymentAttempt) -> object: ...


_handlers: dict[str, SettlementHandler] = {}


def register_settlement(purpose: str, handler: SettlementHandler) -> None:
    """Names what settles a verified payment of `purpose`. Registering the same handler
    again is harmless (ready() may run twice in tests); a second, different one is a
    mistake."""
    current = _handlers.get(purpose)
    if current is not None and current is not handler:
        raise RuntimeError(
            f"a settlement for payments of purpose {purpose!r} is already registered"
        )
    _handlers[purpose] = handler


def settlement_for(purpose: str) -> SettlementHandler:
    """The handler registered for `purpose`. A purpose that needs one and has none is a
    configuration error, never a payment silently left unsettled."""
    try:
        return _handlers[purpose]
    except KeyError:
        raise LookupError(f"no settlement registered for payments of purpose {purpose!r}") from None
