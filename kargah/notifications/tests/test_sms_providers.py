"""SMS providers: Kavenegar over HTTP (mocked transport), the console and the choice of one."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from kargah.notifications.sms import DeliveryState, SmsSendError, _provider, get_provider
from kargah.notifications.sms.console import ConsoleSmsProvider
from kargah.notifications.sms.fake import FakeSmsProvider
from kargah.notifications.sms.kavenegar import KavenegarSmsProvider
from kargah.notifications.sms.smsir import SmsIrProvider

API_KEY = "4F6B2D7A-SECRET-KEY-0123456789ABCDEF"
SENDER = "10008663"
BODY = "کد ورود کارگاه: ۱۲۳۴۵۶"


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "return": {"status": 200, "message": "تایید شد"},
            "entries": [{"messageid": 8792343, "status": 1, "receptor": "09121234567"}],
        },
    )


def _timeout(request: httpx.Request) -> httpx.Response:
    # httpx puts the URL, and with it the key, into the text of some of its errors.
    raise httpx.ConnectTimeout(f"timed out connecting to {request.url}", request=request)


def _provider_with(
    handler: Callable[[httpx.Request], httpx.Response], *, sender: str = SENDER
) -> tuple[KavenegarSmsProvider, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    provider = KavenegarSmsProvider(
        api_key=API_KEY, sender=sender, timeout=2, transport=httpx.MockTransport(recording)
    )
    return provider, seen


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_kavenegar_posts_the_national_number_and_sender_to_the_keyed_path():
    provider, seen = _provider_with(_ok)

    reference = provider.send(recipient="+989121234567", body=BODY)

    assert reference == "8792343"
    [request] = seen
    assert request.method == "POST"
    assert request.url.scheme == "https"
    assert request.url.host == "api.kavenegar.com"
    assert request.url.path == f"/v1/{API_KEY}/sms/send.json"
    assert _form(request) == {"receptor": "09121234567", "message": BODY, "sender": SENDER}


def test_kavenegar_without_a_sender_uses_the_account_default():
    provider, seen = _provider_with(_ok, sender="")
    provider.send(recipient="+989351112233", body="سلام")
    assert _form(seen[0]) == {"receptor": "09351112233", "message": "سلام"}


@pytest.mark.parametrize(
    ("http_status", "api_status", "api_message"),
    [
        (200, 418, "اعتبار حساب شما کافی نیست"),  # refused inside an HTTP 200
        (400, 411, "گیرنده نامعتبر است"),
        (403, 403, "کد شناسائی API-Key معتبر نمی‌باشد"),
    ],
)
def test_kavenegar_refusal_raises_send_error(http_status, api_status, api_message):
    provider, _seen = _provider_with(
        lambda request: httpx.Response(
            http_status, json={"return": {"status": api_status, "message": api_message}}
        )
    )
    with pytest.raises(SmsSendError) as excinfo:
        provider.send(recipient="+989121234567", body=BODY)
    assert str(api_status) in str(excinfo.value)
    assert API_KEY not in str(excinfo.value)


def test_kavenegar_unreadable_answer_raises_send_error():
    provider, _seen = _provider_with(lambda request: httpx.Response(502, text="<html>Bad gateway"))
    with pytest.raises(SmsSendError, match="502"):
        provider.send(recipient="+989121234567", body=BODY)


def test_kavenegar_timeout_raises_send_error_without_the_key():
    provider, seen = _provider_with(_timeout)
    with pytest.raises(SmsSendError) as excinfo:
        provider.send(recipient="+989121234567", body=BODY)

    assert len(seen) == 1
    assert "ConnectTimeout" in str(excinfo.value)
    assert API_KEY not in str(excinfo.value)
    assert API_KEY not in repr(excinfo.value)
    # The httpx error (whose text holds the URL) is not chained for tracebacks to print.
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__ is True


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(_ok, id="accepted"),
        pytest.param(
            lambda request: httpx.Response(
                200, json={"return": {"status": 418, "message": "اعتبار کافی نیست"}}
            ),
            id="refused",
        ),
        pytest.param(
            lambda request: httpx.Response(500, text="oops"),
            id="unreadable",
        ),
        pytest.param(_timeout, id="timeout"),
    ],
)
def test_kavenegar_api_key_never_reaches_the_logs(handler, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)  # everything any logger (ours, httpx, httpcore) emits
    provider, _seen = _provider_with(handler)

    try:
        provider.send(recipient="+989121234567", body=BODY)
    except SmsSendError as exc:
        logging.getLogger("kargah.test").exception("send failed: %s", exc)

    # Something was logged, so the check below has something to read: when Kavenegar
    # answered, httpx itself logged the request line.
    assert caplog.records
    if handler is not _timeout:
        assert any(r.name == "httpx" and "sms/send.json" in r.getMessage() for r in caplog.records)
    leaked = [f"{r.name}: {r.getMessage()}" for r in caplog.records if API_KEY in r.getMessage()]
    assert leaked == []
    assert API_KEY not in caplog.text


def test_kavenegar_needs_an_api_key():
    with pytest.raises(ValueError, match="KAVENEGAR_API_KEY"):
        KavenegarSmsProvider(api_key="")


def test_console_provider_prints_the_message(capsys: pytest.CaptureFixture[str]):
    reference = ConsoleSmsProvider().send(recipient="+989121234567", body=BODY)

    out = capsys.readouterr().out
    assert BODY in out
    assert "+989121234567" in out
    assert reference in out
    assert len(reference) == 12


def test_tests_use_the_fake_provider_and_unknown_names_are_refused(sms: FakeSmsProvider):
    assert get_provider() is sms
    with pytest.raises(ValueError, match="unknown SMS provider"):
        _provider("carrier-pigeon")


def test_kavenegar_is_built_from_settings(settings):
    settings.KAVENEGAR_API_KEY = API_KEY
    settings.KAVENEGAR_SENDER = SENDER
    settings.KAVENEGAR_TIMEOUT_SECONDS = 3.5
    # The uncached factory: the suite's cached fake provider stays as it is.
    provider = _provider.__wrapped__("kavenegar")
    assert isinstance(provider, KavenegarSmsProvider)
    assert provider._api_key == API_KEY
    assert provider._sender == SENDER
    assert provider._client.timeout == httpx.Timeout(3.5)


# --- Kavenegar: template sending of codes and delivery reports ----------------------------


def test_kavenegar_sends_codes_through_its_lookup_template():
    provider, seen = _provider_with(_ok)
    provider._otp_template = "kargah-otp"

    reference = provider.send_code(recipient="+989121234567", code="042137", body=BODY)

    assert reference == "8792343"
    [request] = seen
    assert request.url.path == f"/v1/{API_KEY}/verify/lookup.json"
    assert _form(request) == {
        "receptor": "09121234567",
        "token": "042137",
        "template": "kargah-otp",
    }


def test_kavenegar_without_a_template_sends_codes_as_plain_messages():
    provider, seen = _provider_with(_ok)
    provider.send_code(recipient="+989121234567", code="042137", body=BODY)
    assert seen[0].url.path == f"/v1/{API_KEY}/sms/send.json"
    assert _form(seen[0])["message"] == BODY


def test_kavenegar_delivery_reports_map_its_states():
    def statuses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [
                    {"messageid": 11, "status": 10, "statustext": "رسیده به گیرنده"},
                    {"messageid": 12, "status": 11, "statustext": "نرسیده به گیرنده"},
                    {"messageid": 13, "status": 4, "statustext": "ارسال به مخابرات"},
                    {"messageid": 14, "status": 100, "statustext": "شناسه نامعتبر"},
                ],
            },
        )

    provider, seen = _provider_with(statuses)
    reports = provider.delivery_reports(["11", "12", "13", "14"])

    assert seen[0].url.path == f"/v1/{API_KEY}/sms/status.json"
    assert _form(seen[0]) == {"messageid": "11,12,13,14"}
    assert {k: v.state for k, v in reports.items()} == {
        "11": DeliveryState.DELIVERED,
        "12": DeliveryState.FAILED,
        "13": DeliveryState.PENDING,
    }
    assert reports["12"].detail == "نرسیده به گیرنده"


def test_kavenegar_invalid_receptor_is_a_permanent_refusal():
    provider, _seen = _provider_with(
        lambda request: httpx.Response(
            400, json={"return": {"status": 411, "message": "گیرنده نامعتبر است"}}
        )
    )
    with pytest.raises(SmsSendError) as excinfo:
        provider.send(recipient="+989121234567", body=BODY)
    assert excinfo.value.permanent


# --- sms.ir -------------------------------------------------------------------------------

SMSIR_KEY = "smsir-SECRET-key-0123456789"


def _smsir_with(
    handler: Callable[[httpx.Request], httpx.Response], *, template: str = ""
) -> tuple[SmsIrProvider, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    provider = SmsIrProvider(
        api_key=SMSIR_KEY,
        line_number="30007732900000",
        otp_template_id=template,
        timeout=2,
        transport=httpx.MockTransport(recording),
    )
    return provider, seen


def _smsir_ok(data: dict) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json={"status": 1, "message": "موفق", "data": data})


def test_smsir_sends_from_the_line_with_the_key_in_a_header():
    provider, seen = _smsir_with(_smsir_ok({"packId": "p-1", "messageIds": [7001], "cost": 1}))

    reference = provider.send(recipient="+989121234567", body=BODY)

    assert reference == "7001"
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.sms.ir/v1/send/bulk"
    assert request.headers["X-API-KEY"] == SMSIR_KEY
    assert SMSIR_KEY not in str(request.url)
    assert json.loads(request.content) == {
        "lineNumber": 30007732900000,
        "messageText": BODY,
        "mobiles": ["09121234567"],
    }


def test_smsir_sends_codes_through_its_verify_template():
    provider, seen = _smsir_with(_smsir_ok({"messageId": 9001, "cost": 1}), template="123456")

    reference = provider.send_code(recipient="+989121234567", code="042137", body=BODY)

    assert reference == "9001"
    assert str(seen[0].url) == "https://api.sms.ir/v1/send/verify"
    assert json.loads(seen[0].content) == {
        "mobile": "09121234567",
        "templateId": 123456,
        "parameters": [{"name": "CODE", "value": "042137"}],
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (1, DeliveryState.DELIVERED),
        (2, DeliveryState.FAILED),
        (3, DeliveryState.PENDING),
        (7, DeliveryState.FAILED),
        (None, DeliveryState.PENDING),
    ],
)
def test_smsir_delivery_report_of_one_message(state, expected):
    provider, seen = _smsir_with(_smsir_ok({"messageId": 7001, "deliveryState": state}))
    reports = provider.delivery_reports(["7001"])
    assert seen[0].method == "GET"
    assert str(seen[0].url) == "https://api.sms.ir/v1/send/7001"
    assert reports["7001"].state == expected


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(
            lambda request: httpx.Response(
                400, json={"status": 102, "message": "اعتبار کافی نیست", "data": None}
            ),
            id="refused",
        ),
        pytest.param(lambda request: httpx.Response(502, text="<html>"), id="unreadable"),
        pytest.param(_timeout, id="timeout"),
    ],
)
def test_smsir_failures_raise_send_error_without_the_key(handler, caplog):
    caplog.set_level(logging.DEBUG)
    provider, _seen = _smsir_with(handler)
    with pytest.raises(SmsSendError) as excinfo:
        provider.send(recipient="+989121234567", body=BODY)
    assert SMSIR_KEY not in str(excinfo.value)
    assert excinfo.value.__cause__ is None
    assert SMSIR_KEY not in caplog.text


def test_smsir_needs_an_api_key():
    with pytest.raises(ValueError, match="SMSIR_API_KEY"):
        SmsIrProvider(api_key="")


def test_smsir_is_built_from_settings(settings):
    settings.SMSIR_API_KEY = SMSIR_KEY
    settings.SMSIR_LINE_NUMBER = "30001"
    settings.SMSIR_OTP_TEMPLATE_ID = "55"
    provider = _provider.__wrapped__("smsir")
    assert isinstance(provider, SmsIrProvider)
    assert provider._line_number == "30001"
    assert provider._otp_template_id == "55"
