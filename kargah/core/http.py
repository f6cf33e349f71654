"""Request helpers shared by views and API endpoints."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest

from kargah.core.errors import DomainError


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind a trusted reverse proxy (KARGAH_BEHIND_PROXY) the
    proxy's X-Forwarded-For is believed; otherwise only the socket address is."""
    if getattr(settings, "KARGAH_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def run_and_tell(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    """Runs one service call of a page's form and tells the person how it went: `done` on
    success, the refusal's Persian message otherwise (never a 500). True when it ran."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return False
    messages.success(request, done)
    return True
