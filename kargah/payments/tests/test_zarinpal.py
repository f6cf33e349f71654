"""Zarinpal v4 request/verify against recorded answers (httpx.MockTransport, no network)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kargah.core.errors import DomainError
from kargah.payments import services
from kargah.payments.gateways import GatewayError, get_gateway
from kargah.payments.gateways.zarinpal import ZarinpalGateway
from kargah.payments.models import PaymentAttempt, PaymentPurpose, PaymentStatus
from kargah.wallet.selectors import wallet_balance

MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"
AUTHORITY = "A0000000000000000000000000000wnh2dz"
CALLBACK = "https://kargah.example.ir/payments/callback/zarinpal/"


class Bank:
    """A recorded Zarinpal: answers each endpoint with the next prepared reply and keeps
    what was sent."""

    def __init__(self, **replies: Any) -> None:
        self.replies = replies
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        self.sent.append((str(request.url), json.loads(request.content)))
        reply = self.replies[endpoint]
        if isinstance(reply, Exception):
            raise reply
        status, body = reply
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    def gateway(self, **kwargs: Any) -> ZarinpalGateway:
        return ZarinpalGateway(merchant_id=MERCHANT, transport=httpx.MockTransport(self), **kwargs)


def ok_request() -> tuple[int, dict[str, Any]]:
    return 200, {
        "data": {
            "code": 100,
            "message": "Success",
            "authority": AUTHORITY,
            "fee_type": "Merchant",
            "fee": 100,
        },
        "errors": [],
    }


def verified(code: int = 100, ref_id: int = 201) -> tuple[int, dict[str, Any]]:
    return 200, {
        "data": {
            "code": code,
            "message": "Verified" if code == 101 else "Paid",
            "card_pan": "502229******5995",
            "ref_id": ref_id,
            "fee": 0,
        },
        "errors": [],
    }


def refused(code: int, message: str = "error", status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"data": [], "errors": {"code": code, "message": message, "validations": []}}


def test_request_sends_rials_and_returns_the_startpay_address():
    bank = Bank(request=ok_request())

    answer = bank.gateway(sandbox=False).request(
        amount=1_200_000, callback_url=CALLBACK, description="کارگاه نقاشی", mobile="+989121234567"
    )

    assert answer.authority == AUTHORITY
    assert answer.redirect_url == f"https://payment.zarinpal.com/pg/StartPay/{AUTHORITY}"
    url, body = bank.sent[0]
    assert url == "https://payment.zarinpal.com/pg/v4/payment/request.json"
    assert body == {
        "merchant_id": MERCHANT,
        "amount": 1_200_000,
        "currency": "IRR",
        "callback_url": CALLBACK,
        "description": "کارگاه نقاشی",
        "metadata": {"mobile": "09121234567"},
    }


def test_the_zarinpal_sandbox_host_is_used_when_configured(settings):
    settings.ZARINPAL_SANDBOX = True
    bank = Bank(request=ok_request(), verify=verified())
    gateway = bank.gateway()
    answer = gateway.request(amount=10_000, callback_url=CALLBACK, description="x", mobile=None)
    gateway.verify(authority=AUTHORITY, amount=10_000)
    assert answer.redirect_url.startswith("https://sandbox.zarinpal.com/pg/StartPay/")
    assert [url for url, _body in bank.sent] == [
        "https://sandbox.zarinpal.com/pg/v4/payment/request.json",
        "https://sandbox.zarinpal.com/pg/v4/payment/verify.json",
    ]
    assert "metadata" not in bank.sent[0][1]


def test_verify_100_is_paid_and_101_is_already_verified():
    bank = Bank(verify=verified(100, 201))
    first = bank.gateway().verify(authority=AUTHORITY, amount=1_200_000)
    assert (first.ok, first.already_verified, first.ref_id) == (True, False, "201")
    assert bank.sent[0][1] == {"merchant_id": MERCHANT, "amount": 1_200_000, "authority": AUTHORITY}

    bank.replies["verify"] = verified(101, 201)
    again = bank.gateway().verify(authority=AUTHORITY, amount=1_200_000)
    assert (again.ok, again.already_verified, again.ref_id) == (True, True, "201")


@pytest.mark.parametrize("code", [-50, -51, -53, -54])
def test_verify_not_paid_answers_are_not_ok(code):
    result = (
        Bank(verify=refused(code, "Session is not valid"))
        .gateway()
        .verify(authority=AUTHORITY, amount=10_000)
    )
    assert result.ok is False
    assert str(code) in result.message


@pytest.mark.parametrize(
    "reply",
    [
        refused(-9, "The input params invalid, validation error."),
        refused(-10, "Terminal is not valid"),
        (502, "<html>Bad gateway</html>"),
        (200, {"data": {"code": 100}, "errors": []}),  # request without an authority
        (200, "[]"),
    ],
)
def test_a_refused_or_garbled_request_is_a_domain_error(reply):
    with pytest.raises(DomainError) as caught:
        Bank(request=reply).gateway().request(
            amount=10_000, callback_url=CALLBACK, description="x", mobile=None
        )
    assert isinstance(caught.value, GatewayError)
    assert caught.value.http_status == 503


@pytest.mark.parametrize(
    "reply", [refused(-9), refused(-11, "Merchant is not active"), (500, "oops"), (200, "{}")]
)
def test_a_verify_that_says_nothing_about_the_money_is_a_domain_error(reply):
    with pytest.raises(GatewayError):
        Bank(verify=reply).gateway().verify(authority=AUTHORITY, amount=10_000)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
)
def test_a_timeout_or_network_failure_is_a_domain_error(failure):
    bank = Bank(request=failure, verify=failure)
    with pytest.raises(DomainError):
        bank.gateway().request(amount=10_000, callback_url=CALLBACK, description="x", mobile=None)
    with pytest.raises(DomainError):
        bank.gateway().verify(authority=AUTHORITY, amount=10_000)


def test_a_relative_callback_or_a_missing_merchant_id_is_refused_before_any_call():
    bank = Bank()
    with pytest.raises(GatewayError):
        bank.gateway().request(
            amount=10_000, callback_url="/payments/", description="", mobile=None
        )
    with pytest.raises(GatewayError):
        ZarinpalGateway(merchant_id="", transport=httpx.MockTransport(bank)).verify(
            authority=AUTHORITY, amount=10_000
        )
    assert bank.sent == []


def test_the_merchant_id_never_reaches_logs_or_errors(caplog):
    caplog.set_level(logging.DEBUG)
    echoing = refused(-9, f"merchant_id {MERCHANT} is invalid")
    failures: list[Callable[[], object]] = [
        lambda: (
            Bank(request=echoing)
            .gateway()
            .request(amount=10_000, callback_url=CALLBACK, description="x", mobile=None)
        ),
        lambda: Bank(verify=echoing).gateway().verify(authority=AUTHORITY, amount=10_000),
        lambda: (
            Bank(verify=httpx.ReadTimeout("slow"))
            .gateway()
            .verify(authority=AUTHORITY, amount=10_000)
        ),
    ]
    texts = []
    for fail in failures:
        with pytest.raises(GatewayError) as caught:
            fail()
        texts += [caught.value.detail, str(caught.value.message)]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the failures were logged"
    assert not [text for text in texts if MERCHANT in text]
    assert not [text for text in texts if MERCHANT.split("-")[0] in text]


@pytest.mark.django_db
def test_zarinpal_end_to_end_through_the_services(family, settings, monkeypatch):
    """payment_start → (the family pays at Zarinpal) → callback → verify → wallet."""
    settings.KARGAH_PAYMENT_GATEWAY = "zarinpal"
    settings.KARGAH_SITE_URL = "https://kargah.example.ir"
    settings.ZARINPAL_MERCHANT_ID = MERCHANT
    bank = Bank(request=ok_request(), verify=verified(100, 987654))
    real_init = ZarinpalGateway.__init__

    def with_mock_transport(self, **kwargs):
        real_init(self, transport=httpx.MockTransport(bank), **kwargs)

    monkeypatch.setattr(ZarinpalGateway, "__init__", with_mock_transport)
    assert isinstance(get_gateway(), ZarinpalGateway)

    attempt = services.payment_start(
        family=family, amount=1_500_000, purpose=PaymentPurpose.TOP_UP, mobile="+989121234567"
    )
    assert attempt.authority == AUTHORITY
    assert attempt.redirect_url.startswith("https://payment.zarinpal.com/pg/StartPay/")
    assert bank.sent[0][1]["callback_url"] == CALLBACK

    done = services.payment_callback(gateway="zarinpal", authority=AUTHORITY, status_ok=True)
    assert done.status == PaymentStatus.VERIFIED
    assert done.ref_id == "987654"
    assert bank.sent[1][1] == {"merchant_id": MERCHANT, "amount": 1_500_000, "authority": AUTHORITY}
    assert wallet_balance(family=family) == 1_500_000

    # A replay: Zarinpal is not even asked again, and no money moves.
    services.payment_callback(gateway="zarinpal", authority=AUTHORITY, status_ok=True)
    assert len(bank.sent) == 2
    assert wallet_balance(family=family) == 1_500_000
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
