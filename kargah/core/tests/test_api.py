"""Domain errors reach API clients as JSON with a reason, a stable code and a fitting status."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from kargah.core.api import exception_handler
from kargah.core.errors import Conflict, DomainError, NotAllowed, Throttled


class _Raising(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    error: Exception = DomainError("")

    def get(self, request: Request) -> Response:
        raise self.error


def _call(error: Exception) -> tuple[int, dict[str, object], str]:
    view = _Raising.as_view(error=error)
    response = view(APIRequestFactory().get("/api/v1/anything/"))
    response.render()
    return response.status_code, json.loads(response.content), response["Content-Type"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DomainError("ظرفیت کلاس پر است."), 400, "invalid"),
        (
            DomainError("کد ملی تکراری است.", code="duplicate_national_code"),
            400,
            "duplicate_national_code",
        ),
        (NotAllowed("دسترسی ندارید."), 403, "not_allowed"),
        (Conflict("این ثبت‌نام قبلاً تأیید شده است."), 409, "conflict"),
        (Throttled("چند دقیقه دیگر تلاش کنید."), 429, "throttled"),
    ],
)
def test_domain_errors_become_json_with_detail_code_and_status(error, status, code):
    got_status, body, content_type = _call(error)
    assert got_status == status
    assert content_type.startswith("application/json")
    assert body == {"detail": error.message, "code": code}


def test_extra_fields_are_part_of_the_answer():
    status, body, _ = _call(Throttled("صبر کنید.", code="too_soon", extra={"retry_after": 42}))
    assert status == 429
    assert body == {"detail": "صبر کنید.", "code": "too_soon", "retry_after": 42}


def test_lazy_messages_are_translated_into_the_active_language():
    error = DomainError(gettext_lazy("Enter your mobile number."))
    with translation.override("en"):
        _status, body, _ = _call(error)
    assert body["detail"] == "Enter your mobile number."


def test_drf_errors_get_the_same_shape_with_their_code():
    status, body, _ = _call(NotFound("no such offering"))
    assert status == 404
    assert body == {"detail": "no such offering", "code": "not_found"}
    # A bug is left to Django; ApiErrorMiddleware answers it as JSON 500 (test_api_edges.py).
    assert exception_handler(ValueError("boom"), {}) is None
