"""Request helpers shared by views and API endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind a trusted reverse proxy (KARGAH_BEHIND_PROXY) the
    proxy's X-Forwarded-For is believed; otherwise only the socket address is."""
    if getattr(settings, "KARGAH_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None
