"""The API's edges (issue 8, findings 3-5): every error under /api/ is JSON {detail, code} in
the caller's language, and hostile bodies and query strings are a 400, never a 500."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from kargah.accounts.api import MeView
from kargah.accounts.models import OneTimeCode
from kargah.accounts.tests.factories import GuardianFactory
from kargah.core.drf_messages import DRF_MESSAGES
from kargah.core.models import IdempotencyKey
from kargah.core.parsers import MAX_DEPTH, RequestTooLarge, StrictJSONParser, nesting_depth

pytestmark = pytest.mark.django_db

PERSIAN = re.compile(r"[\u0600-\u06FF]")
LATIN_DIGIT = re.compile(r"[0-9]")
OTP_REQUEST = "/api/v1/auth/otp/request"
ME = "/api/v1/me"
LEARNERS = "/api/v1/learners"
REFUNDS = "/api/v1/refund-requests"
NESTED = "[" * 1000 + "]" * 1000  # 2 KB, 1000 levels: DRF's parser raised RecursionError


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A JSON error in the contract's shape, with a Persian message."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and isinstance(body["code"], str)
    assert PERSIAN.search(body["detail"]), body
    if code is not None:
        assert body["code"] == code, body
    return body


def post_raw(client: Client, path: str, data: bytes | str, **extra: Any) -> Any:
    return client.generic("POST", path, data, content_type="application/json", **extra)


@pytest.fixture
def guardian_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(GuardianFactory.create())
    return client


class TestEveryErrorIsJson:
    @pytest.mark.parametrize(
        "path", ["/api/v1/no-such-thing", "/api/v1/offerings/abc", "/api/v1/learners/1.5", "/api/"]
    )
    def test_404_for_any_path_under_api(self, path):
        assert_error(Client().get(path), 404, "not_found")

    def test_an_unknown_id_is_the_same_404(self):
        assert_error(Client().get("/api/v1/offerings/999999"), 404, "not_found")

    def test_english_when_the_person_chose_english(self):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/api/v1/offerings/abc")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "Nothing was found at this address.",
            "code": "not_found",
        }

    def test_validation_and_parse_errors_in_english_when_chosen(self):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        parse = post_raw(client, OTP_REQUEST, "{").json()
        assert parse == {"detail": "The request body is not valid JSON.", "code": "parse_error"}
        invalid = client.get("/api/v1/offerings", {"age": "500"}).json()
        assert invalid["errors"]["age"] == ["Ensure this value is less than or equal to 120."]

    def test_401_has_the_shape_and_the_challenge(self):
        body = assert_error(Client().get(ME), 401, "not_authenticated")
        assert set(body) == {"detail", "code"}
        assert Client().get(ME)["WWW-Authenticate"].startswith("Token")

    def test_405_names_the_allowed_methods(self):
        response = Client().delete("/api/v1/offerings")
        assert_error(response, 405, "method_not_allowed")
        assert "GET" in response["Allow"]

    def test_415_for_a_form_body(self):
        response = Client().post(OTP_REQUEST, {"mobile": "09121234567"})  # multipart
        assert_error(response, 415, "unsupported_media_type")
        assert not OneTimeCode.objects.exists()

    def test_a_5_mb_body_is_a_json_413_before_it_is_read(self):
        big = json.dumps({"mobile": "0" * (5 * 1024 * 1024)})
        response = post_raw(Client(), OTP_REQUEST, big)
        assert_error(response, 413, "request_too_large")
        assert not OneTimeCode.objects.exists()

    def test_the_parser_also_refuses_what_is_over_the_limit(self, settings):
        settings.KARGAH_API_MAX_BODY_BYTES = 100
        with pytest.raises(RequestTooLarge):
            StrictJSONParser().parse(_Stream(b'{"a": "' + b"x" * 200 + b'"}'))

    def test_429_carries_retry_after(self, django_capture_on_commit_callbacks):
        client = APIClient()
        assert client.post(OTP_REQUEST, {"mobile": "09121234567"}).status_code == 202
        response = client.post(OTP_REQUEST, {"mobile": "09121234567"})
        assert_error(response, 429, "too_soon")
        assert int(response["Retry-After"]) > 0

    def test_every_sign_in_429_carries_retry_after(self, settings):
        settings.KARGAH_OTP = {**settings.KARGAH_OTP, "MAX_PER_IP_PER_HOUR": 1}
        client = APIClient()
        assert client.post(OTP_REQUEST, {"mobile": "09121234567"}).status_code == 202
        response = client.post(OTP_REQUEST, {"mobile": "09121234568"})
        assert_error(response, 429, "ip_rate")
        assert response["Retry-After"] == "3600"

    def test_a_csrf_refusal_is_persian(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(GuardianFactory.create())
        response = client.post(LEARNERS, {}, content_type="application/json")
        body = assert_error(response, 403, "csrf_failed")
        assert "CSRF" not in body["detail"]

    def test_an_unhandled_exception_is_a_json_500_in_persian(self, monkeypatch):
        def boom(self: Any, request: Any) -> Any:
            raise RuntimeError("a bug")

        monkeypatch.setattr(MeView, "get", boom)
        client = Client(raise_request_exception=False)
        client.force_login(GuardianFactory.create())
        assert_error(client.get(ME), 500, "server_error")

    def test_with_debug_on_the_api_still_answers_json(self, settings, monkeypatch):
        # Django's debug pages (the URL map, the traceback) never reach an API client.
        settings.DEBUG = True
        assert_error(Client().get("/api/v1/no-such-thing"), 404, "not_found")

        def boom(self: Any, request: Any) -> Any:
            raise RuntimeError("a bug")

        monkeypatch.setattr(MeView, "get", boom)
        client = Client(raise_request_exception=False)
        client.force_login(GuardianFactory.create())
        body = assert_error(client.get(ME), 500, "server_error")
        assert "a bug" not in json.dumps(body)

    def test_the_api_docs_are_still_pages(self):
        response = Client().get("/api/docs/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")

    def test_pages_outside_the_api_are_not_touched(self):
        response = Client().get("/no-such-page/")
        assert response.status_code == 404
        assert not response["Content-Type"].startswith("application/json")


class TestValidationErrors:
    def test_field_errors_are_under_errors_with_a_persian_detail(self, guardian_api):
        response = guardian_api.post(LEARNERS, {"first_name": "سارا"})
        body = assert_error(response, 400, "invalid")
        assert {"last_name", "national_code", "data_confirmed"} <= set(body["errors"])
        assert all(PERSIAN.search(m) for ms in body["errors"].values() for m in ms)

    def test_limits_in_drf_messages_have_persian_digits(self):
        body = assert_error(Client().get("/api/v1/offerings", {"age": "500"}), 400, "invalid")
        assert "۱۲۰" in body["errors"]["age"][0]
        assert not LATIN_DIGIT.search(body["detail"])

    def test_our_persian_wins_over_drfs_stock_persian(self, guardian_api):
        # DRF's catalogue says «نباید توهی باشد»; LOCALE_PATHS is read first.
        response = guardian_api.post(LEARNERS, {"first_name": None})
        assert response.json()["errors"]["first_name"] == ["این مقدار نباید تهی باشد."]

    def test_every_listed_drf_message_has_clean_persian(self):
        with translation.override("fa"):
            for message in DRF_MESSAGES:
                text = (
                    translation.gettext(str(message)) if isinstance(message, str) else str(message)
                )
                assert PERSIAN.search(text), message
                assert not re.search(r"توهی|مطمعن|\bpk\b|Object|نامعبتر", text), text

    def test_no_data_is_a_persian_message(self):
        body = assert_error(post_raw(Client(), OTP_REQUEST, "null"), 400, "invalid")
        assert "No data" not in body["detail"]


class TestHostileBodies:
    @pytest.mark.parametrize(
        "body",
        ["{", '{"mobile": "0912', "NaN", '{"a": Infinity}', "\ufeff{}", "[1,]"],
    )
    def test_a_parse_error_is_persian_not_drf_english(self, body):
        response = post_raw(Client(), OTP_REQUEST, body)
        detail = assert_error(response, 400, "parse_error")["detail"]
        assert "JSON parse error" not in detail

    def test_deep_nesting_on_the_unauthenticated_sign_in(self):
        assert_error(post_raw(Client(), OTP_REQUEST, NESTED), 400, "too_deep")
        assert_error(post_raw(Client(), OTP_REQUEST, '{"a":' * 1000 + "1" + "}" * 1000), 400)
        assert not OneTimeCode.objects.exists()

    def test_deep_nesting_on_a_signed_in_post(self, guardian_api):
        assert_error(post_raw(guardian_api, LEARNERS, NESTED), 400, "too_deep")

    def test_nesting_to_the_limit_is_parsed(self):
        text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
        assert nesting_depth(text) == MAX_DEPTH
        assert StrictJSONParser().parse(_Stream(text.encode())) == json.loads(text)
        assert nesting_depth('["[[[[", {"x": "}}}"}]') == 2  # brackets in strings do not count

    def test_a_lone_surrogate_with_an_idempotency_key_is_a_400_and_reserves_nothing(
        self, guardian_api
    ):
        text = '{"amount": 1000, "sheba": "IR05", "account_holder": "\\ud800"}'
        response = post_raw(guardian_api, REFUNDS, text, HTTP_IDEMPOTENCY_KEY="k-1")
        assert_error(response, 400, "invalid_unicode")
        assert not IdempotencyKey.objects.exists()

    def test_a_lone_surrogate_in_a_key_is_refused_too(self):
        assert_error(post_raw(Client(), OTP_REQUEST, '{"\\udfff": 1}'), 400, "invalid_unicode")

    def test_a_surrogate_pair_is_text(self):
        assert StrictJSONParser().parse(_Stream(b'{"a": "\\ud83d\\ude00"}')) == {"a": "😀"}

    @pytest.mark.parametrize("raw", [b'{"mobile": "\xff"}', b'{"mobile": "\xed\xa0\x80"}'])
    def test_invalid_utf8_is_a_400(self, raw):
        assert_error(post_raw(Client(), OTP_REQUEST, raw), 400, "invalid_unicode")

    @pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%FF", "age=%C0%AF"])
    def test_a_query_string_that_is_not_utf8_is_a_400(self, query):
        assert_error(Client().get(f"/api/v1/offerings?{query}"), 400, "invalid_unicode")

    def test_a_valid_persian_query_is_answered(self):
        assert Client().get("/api/v1/offerings?q=%D9%86%D9%82%D8%A7%D8%B4%DB%8C").status_code == 200


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        return self.data if size < 0 else self.data[:size]


@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_parser_answers_any_bytes_with_data_or_a_parse_error(raw):
    try:
        data = StrictJSONParser().parse(_Stream(raw))
    except ParseError as exc:
        assert exc.status_code == 400
    else:
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # no surrogate survives
