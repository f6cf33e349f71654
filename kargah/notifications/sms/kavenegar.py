"""Kavenegar's REST API (https://kavenegar.com/rest.html): one POST per message.

The API key sits in the URL path, so URLs are never logged; errors carry only the
status the provider returned.
"""

from __future__ import annotations

import logging

import httpx

from kargah.notifications.sms import SmsSendError

logger = logging.getLogger(__name__)

API_ROOT = "https://api.kavenegar.com/v1"


class KavenegarSmsProvider:
    def __init__(
        self,
        *,
        api_key: str,
        sender: str = "",
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("KAVENEGAR_API_KEY is not set")
        self._api_key = api_key
        self._sender = sender
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)

    def send(self, *, recipient: str, body: str) -> str:
        # Kavenegar wants the national form (09…), not E.164.
        receptor = "0" + recipient[3:] if recipient.startswith("+98") else recipient
        data = {"receptor": receptor, "message": body}
        if self._sender:
            data["sender"] = self._sender
        try:
            response = self._client.post(f"{API_ROOT}/{self._api_key}/sms/send.json", data=data)
        except httpx.HTTPError as exc:
            logger.warning("kavenegar: request failed: %s", type(exc).__name__)
            raise SmsSendError(f"kavenegar unreachable: {type(exc).__name__}") from None
        try:
            payload = response.json()
            status = int(payload["return"]["status"])
        except (ValueError, KeyError, TypeError):
            raise SmsSendError(
                f"kavenegar: unreadable answer (HTTP {response.status_code})"
            ) from None
        if status != 200:
            message = str(payload["return"].get("message", ""))[:200]
            logger.warning("kavenegar: refused with status %s", status)
            raise SmsSendError(f"kavenegar status {status}: {message}")
        entries = payload.get("entries") or [{}]
        return str(entries[0].get("messageid", ""))
