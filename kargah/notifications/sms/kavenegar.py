"""Kavenegar's REST API: one POST per message.

Kavenegar puts the API key in the URL path. The client addresses a placeholder path and a
small transport puts the key in only on the wire, so neither httpx's request log nor an
exception ever holds it; errors carry only the status the provider returned.
"""

from __future__ import annotations

import logging

import httpx

from kargah.notifications.sms import SmsSendError

logger = logging.getLogger(__name__)

API_ROOT = "https://api.kavenegar.com/v1"
KEY_PLACEHOLDER = "API-KEY"


class _KeyInjectingTransport(httpx.BaseTransport):
    """Sends the request with the placeholder replaced by the key; the caller's request
    object (the one httpx logs) keeps the placeholder."""

    def __init__(self, inner: httpx.BaseTransport, api_key: str) -> None:
        self._inner = inner
        self._api_key = api_key

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.replace(KEY_PLACEHOLDER.encode(), self._api_key.encode(), 1)
        wire = httpx.Request(
            request.method,
            request.url.copy_with(raw_path=path),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return self._inner.handle_request(wire)

    def close(self) -> None:
        self._inner.close()


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
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=_KeyInjectingTransport(transport or httpx.HTTPTransport(), api_key),
        )

    def send(self, *, recipient: str, body: str) -> str:
        # Kavenegar wants the national form (09…), not E.164.
        receptor = "0" + recipient[3:] if recipient.startswith("+98") else recipient
        data = {"receptor": receptor, "message": body}
        if self._sender:
            data["sender"] = self._sender
        try:
            response = self._client.post(f"{API_ROOT}/{KEY_PLACEHOLDER}/sms/send.json", data=data)
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
