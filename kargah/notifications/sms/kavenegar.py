"""Kavenegar's REST API: one POST per message (sms/send), sign-in codes through its template
service (verify/lookup), and delivery reports (sms/status, up to 500 references a call).

Kavenegar puts the API key in the URL path. The client addresses a placeholder path and a
small transport puts the key in only on the wire, so neither httpx's request log nor an
exception ever holds it; errors carry only the status the provider returned.
"""

from __future__ import annotations

import logging

import httpx

from kargah.notifications.sms import DeliveryReport, DeliveryState, SmsSendError, national

logger = logging.getLogger(__name__)

API_ROOT = "https://api.kavenegar.com/v1"
KEY_PLACEHOLDER = "API-KEY"
# Its answers' `return.status` values that no retry can change: the receptor is not valid.
PERMANENT_REFUSALS = frozenset({411})
# Its delivery states (the `status` of each sms/status entry).
_DELIVERY = {
    1: DeliveryState.PENDING,  # queued
    2: DeliveryState.PENDING,  # scheduled
    4: DeliveryState.PENDING,  # sent to the operator
    5: DeliveryState.PENDING,  # sent to the operator (as 4)
    6: DeliveryState.FAILED,  # the line failed it
    10: DeliveryState.DELIVERED,
    11: DeliveryState.FAILED,  # undelivered (phone off or out of reach)
    13: DeliveryState.FAILED,  # cancelled, credit returned
    14: DeliveryState.FAILED,  # blocked by the recipient
}
STATUS_BATCH = 500


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
        otp_template: str = "",
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("KAVENEGAR_API_KEY is not set")
        self._api_key = api_key
        self._sender = sender
        self._otp_template = otp_template
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=_KeyInjectingTransport(transport or httpx.HTTPTransport(), api_key),
        )

    name = "kavenegar"
    reports_delivery = True

    def send(self, *, recipient: str, body: str) -> str:
        data = {"receptor": national(recipient), "message": body}
        if self._sender:
            data["sender"] = self._sender
        return self._reference(self._call("sms/send", data))

    def send_code(self, *, recipient: str, code: str, body: str) -> str:
        if not self._otp_template:
            return self.send(recipient=recipient, body=body)
        # The template (defined in Kavenegar's panel) holds the text; %token is the code.
        data = {"receptor": national(recipient), "token": code, "template": self._otp_template}
        return self._reference(self._call("verify/lookup", data))

    def delivery_reports(self, references: list[str]) -> dict[str, DeliveryReport]:
        reports: dict[str, DeliveryReport] = {}
        for start in range(0, len(references), STATUS_BATCH):
            chunk = references[start : start + STATUS_BATCH]
            payload = self._call("sms/status", {"messageid": ",".join(chunk)})
            for entry in payload.get("entries") or []:
                try:
                    reference = str(entry["messageid"])
                    status = int(entry["status"])
                except (KeyError, TypeError, ValueError):
                    continue
                if status not in _DELIVERY:
                    continue  # 100: not a message of this account; nothing to record
                detail = str(entry.get("statustext") or status)[:40]
                reports[reference] = DeliveryReport(_DELIVERY[status], detail)
        return reports

    @staticmethod
    def _reference(payload: dict) -> str:
        entries = payload.get("entries") or [{}]
        return str(entries[0].get("messageid", ""))

    def _call(self, method: str, data: dict[str, str]) -> dict:
        try:
            response = self._client.post(f"{API_ROOT}/{KEY_PLACEHOLDER}/{method}.json", data=data)
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
            raise SmsSendError(
                f"kavenegar status {status}: {message}", permanent=status in PERMANENT_REFUSALS
            )
        return payload
