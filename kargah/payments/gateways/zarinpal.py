"""Zarinpal, REST API v4 (https://www.zarinpal.com/docs/paymentGateway/connectToGateway).

    POST https://payment.zarinpal.com/pg/v4/payment/request.json
         {merchant_id, amount, currency, callback_url, description, metadata: {mobile}}
      →  {"data": {"code": 100, "authority": "A000…", …}, "errors": []}
    the family pays at https://payment.zarinpal.com/pg/StartPay/{authority}
    and comes back to callback_url?Authority=…&Status=OK|NOK
    POST https://payment.zarinpal.com/pg/v4/payment/verify.json {merchant_id, amount, authority}
      →  data.code 100 (verified now, data.ref_id) or 101 (verified before)
    errors come as {"data": [], "errors": {"code": -51, "message": …}}

Amounts are sent with currency "IRR" so that there is no doubt they are Rials (the API also
takes Toman, "IRT"). The sandbox host is sandbox.zarinpal.com (ZARINPAL_SANDBOX). The
merchant id is a secret: it goes only into request bodies, never into logs or errors.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kargah.payments.gateways import GatewayError, GatewayRequest, GatewayVerify

logger = logging.getLogger(__name__)

CODE_OK = 100
CODE_ALREADY_VERIFIED = 101
# Verify answers that mean "this authority was not paid (for this amount)": the payment
# failed or was cancelled (-51), the amount differs (-50), the session is another
# merchant's (-53), the authority is unknown (-54). Any other error is ours or theirs to
# fix, and says nothing about the money: the attempt stays open and may be asked again.
NOT_PAID_CODES = frozenset({-50, -51, -53, -54})


def _local_mobile(mobile: str | None) -> str | None:
    """Zarinpal wants 09xxxxxxxxx; Kargah stores +989xxxxxxxxx."""
    if not mobile:
        return None
    return "0" + mobile[3:] if mobile.startswith("+98") else mobile


class ZarinpalGateway:
    name = "zarinpal"

    def __init__(
        self,
        *,
        merchant_id: str | None = None,
        sandbox: bool | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        self._merchant_id = (
            merchant_id if merchant_id is not None else settings.ZARINPAL_MERCHANT_ID
        )
        self.sandbox = settings.ZARINPAL_SANDBOX if sandbox is None else sandbox
        # Tests pass an httpx.MockTransport; production uses the default one.
        self._transport = transport
        seconds = timeout_seconds or settings.ZARINPAL_TIMEOUT_SECONDS
        self._timeout = httpx.Timeout(seconds, connect=min(seconds, 5.0))

    @property
    def host(self) -> str:
        return "sandbox.zarinpal.com" if self.sandbox else "payment.zarinpal.com"

    def _safe(self, text: str) -> str:
        """Text for logs and failure reasons, with the merchant id cut out if it got in."""
        if self._merchant_id:
            text = text.replace(self._merchant_id, "[merchant]")
        return text[:300]

    def _post(self, endpoint: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not self._merchant_id:
            raise GatewayError("zarinpal: ZARINPAL_MERCHANT_ID is not set")
        url = f"https://{self.host}/pg/v4/payment/{endpoint}.json"
        body = {"merchant_id": self._merchant_id, **payload}
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as client:
                response = client.post(url, json=body, headers={"Accept": "application/json"})
        except httpx.TimeoutException:
            detail = f"zarinpal {endpoint}: timed out"
            logger.warning(detail)
            raise GatewayError(detail) from None
        except httpx.HTTPError as exc:
            detail = self._safe(f"zarinpal {endpoint}: {type(exc).__name__}")
            logger.warning(detail)
            raise GatewayError(detail) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            detail = f"zarinpal {endpoint}: HTTP {response.status_code}, not a JSON object"
            logger.warning(detail)
            raise GatewayError(detail)
        return response.status_code, answer

    @staticmethod
    def _code_and_message(answer: dict[str, Any]) -> tuple[int | None, str]:
        """The result code and message, from `data` on success or `errors` on refusal."""
        for key in ("data", "errors"):
            part = answer.get(key)
            if isinstance(part, dict) and "code" in part:
                try:
                    code = int(part["code"])
                except (TypeError, ValueError):
                    return None, ""
                return code, str(part.get("message", ""))
        return None, ""

    def request(
        self, *, amount: int, callback_url: str, description: str, mobile: str | None
    ) -> GatewayRequest:
        if not callback_url.startswith(("https://", "http://")):
            raise GatewayError(
                "zarinpal request: the callback URL must be absolute (KARGAH_SITE_URL)"
            )
        payload: dict[str, Any] = {
            "amount": int(amount),
            "currency": "IRR",
            "callback_url": callback_url,
            "description": description or "Kargah",
        }
        local_mobile = _local_mobile(mobile)
        if local_mobile:
            payload["metadata"] = {"mobile": local_mobile}
        status, answer = self._post("request", payload)
        code, message = self._code_and_message(answer)
        data = answer.get("data")
        authority = str(data.get("authority", "")) if isinstance(data, dict) else ""
        if code == CODE_OK and authority:
            return GatewayRequest(
                authority=authority,
                redirect_url=f"https://{self.host}/pg/StartPay/{authority}",
            )
        detail = self._safe(f"zarinpal request: HTTP {status}, code {code}: {message}")
        logger.warning(detail)
        raise GatewayError(
            detail, _("The payment gateway did not accept the payment. Please try again later.")
        )

    def verify(self, *, authority: str, amount: int) -> GatewayVerify:
        status, answer = self._post("verify", {"amount": int(amount), "authority": authority})
        code, message = self._code_and_message(answer)
        data = answer.get("data")
        ref_id = str(data.get("ref_id", "")) if isinstance(data, dict) else ""
        if code in (CODE_OK, CODE_ALREADY_VERIFIED):
            return GatewayVerify(
                ok=True,
                ref_id=ref_id,
                already_verified=code == CODE_ALREADY_VERIFIED,
                message=self._safe(message),
            )
        detail = self._safe(f"zarinpal verify: HTTP {status}, code {code}: {message}")
        if code in NOT_PAID_CODES:
            return GatewayVerify(ok=False, message=detail)
        logger.warning(detail)
        raise GatewayError(detail)
