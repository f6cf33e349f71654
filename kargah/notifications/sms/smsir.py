"""sms.ir's REST API (v1): messages through send/bulk from the account's line, sign-in codes
through its template service (send/verify) and delivery reports (GET send/{messageId}).

The key travels in the X-API-KEY header, never in a URL, so httpx's request log cannot hold
it; errors carry only what the provider answered.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from kargah.notifications.sms import DeliveryReport, DeliveryState, SmsSendError, national

logger = logging.getLogger(__name__)

API_ROOT = "https://api.sms.ir/v1"
# `status` of an answer: 1 is success; anything else is a refusal with a Persian `message`.
OK = 1
# `deliveryState` of a sent message's report (none yet: still on its way).
_DELIVERY = {
    1: DeliveryState.DELIVERED,  # reached the phone
    2: DeliveryState.FAILED,  # did not reach the phone
    3: DeliveryState.PENDING,  # with the operator
    4: DeliveryState.FAILED,  # did not reach the operator
    5: DeliveryState.PENDING,  # reached the operator
    6: DeliveryState.FAILED,  # failed
    7: DeliveryState.FAILED,  # the number is on the blacklist
}


class SmsIrProvider:
    name = "smsir"
    reports_delivery = True

    def __init__(
        self,
        *,
        api_key: str,
        line_number: str = "",
        otp_template_id: str = "",
        otp_parameter: str = "CODE",
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("SMSIR_API_KEY is not set")
        self._line_number = line_number
        self._otp_template_id = otp_template_id
        self._otp_parameter = otp_parameter
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport or httpx.HTTPTransport(),
            headers={"X-API-KEY": api_key, "Accept": "application/json"},
        )

    def send(self, *, recipient: str, body: str) -> str:
        if not self._line_number:
            raise SmsSendError("sms.ir: SMSIR_LINE_NUMBER is not set")
        data = self._call(
            "POST",
            "send/bulk",
            {
                "lineNumber": int(self._line_number),
                "messageText": body,
                "mobiles": [national(recipient)],
            },
        )
        ids = data.get("messageIds") or []
        return str(ids[0]) if ids else str(data.get("packId", ""))

    def send_code(self, *, recipient: str, code: str, body: str) -> str:
        if not self._otp_template_id:
            return self.send(recipient=recipient, body=body)
        data = self._call(
            "POST",
            "send/verify",
            {
                "mobile": national(recipient),
                "templateId": int(self._otp_template_id),
                "parameters": [{"name": self._otp_parameter, "value": code}],
            },
        )
        return str(data.get("messageId", ""))

    def delivery_reports(self, references: list[str]) -> dict[str, DeliveryReport]:
        # One question per message: sms.ir reports single messages (or whole packs).
        reports: dict[str, DeliveryReport] = {}
        for reference in references:
            if not reference.isdigit():
                continue
            data = self._call("GET", f"send/{reference}", None)
            state = data.get("deliveryState")
            if state is None:
                reports[reference] = DeliveryReport(DeliveryState.PENDING, "")
                continue
            try:
                known = _DELIVERY[int(state)]
            except (KeyError, TypeError, ValueError):
                continue
            reports[reference] = DeliveryReport(known, str(state))
        return reports

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = self._client.request(method, f"{API_ROOT}/{path}", json=body)
        except httpx.HTTPError as exc:
            logger.warning("sms.ir: request failed: %s", type(exc).__name__)
            raise SmsSendError(f"sms.ir unreachable: {type(exc).__name__}") from None
        try:
            payload = response.json()
            status = int(payload["status"])
        except (ValueError, KeyError, TypeError):
            raise SmsSendError(f"sms.ir: unreadable answer (HTTP {response.status_code})") from None
        if status != OK:
            message = str(payload.get("message", ""))[:200]
            logger.warning("sms.ir: refused with status %s (HTTP %s)", status, response.status_code)
            raise SmsSendError(f"sms.ir status {status}: {message}")
        data = payload.get("data")
        return data if isinstance(data, dict) else {}
