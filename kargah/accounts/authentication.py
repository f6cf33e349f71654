"""API token authentication that reads the guardian's family with the user and the token."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>`, with the user's family (the guardian's, when the
    user is one) read in the same query: every guardian endpoint asks for it, and in a
    registration rush one query less a request counts (docs/performance.md)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = Token.objects.select_related("user__family").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own refusal and message
        return (token.user, token)
