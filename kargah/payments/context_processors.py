"""Template context of the payments app: whether the sandbox bank is on (the banner)."""

from __future__ import annotations

from django.http import HttpRequest

from kargah.payments.gateways import sandbox_enabled


def sandbox_bank(request: HttpRequest) -> dict[str, bool]:
    # base.html shows a banner on every page while payments are simulated.
    return {"sandbox_bank_active": sandbox_enabled()}
