"""API plumbing shared by every app: every error is JSON `{detail, code[, errors]}` in the caller's language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kargah.core.errors import DomainError
from kargah.core.persian import localize_digits

# The key of field errors: {"errors": {"field": ["message", …]}}; a nested field is named
# with dots ("history.0.amount"), errors not tied to one field are under "non_field_errors".
ERRORS_KEY = "errors"


# The one shape of every API error, and the schema's Error component (its docstring and help
# texts are the schema's words; kargah.core.schema points every error answer to it). The
# answers themselves are built below.
class ErrorSerializer(serializers.Serializer):
    """Every error of the API (kargah.core.api): a message for a person in the caller's
    language (Persian unless they chose English) and a stable code. Validation errors add
    `errors`, each field's messages by name. Some refusals add details, e.g. `retry_after`
    (seconds) or `shortfall` (Rials)."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(
        help_text="A stable machine name, e.g. invalid, not_found, throttled, full."
    )
    # Declared fields leave the class (DRF's metaclass), so this does not hide `.errors`.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: each field's messages, by field name "
        "(non_field_errors for the request as a whole).",
    )


def error_responses(**statuses: str) -> dict[int, OpenApiResponse]:
    """An operation's own error answers for extend_schema, e.g. error_responses(s409="Full.");
    the statuses every operation of its kind can answer are added by kargah.core.schema."""
    return {
        int(name.removeprefix("s")): OpenApiResponse(ErrorSerializer, description=text)
        for name, text in statuses.items()
    }


def _message(text: Any) -> str:
    # DRF raises this one untranslated (serializers.Serializer.run_validation).
    if str(text) == "No data provided":
        return _("No data was sent.")
    # DRF formats limits with Latin digits ("at most 120"); Persian text has Persian ones.
    return localize_digits(text)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as {"field": [messages]} (nested names joined by dots)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                for field, messages in flatten_errors(value, f"{prefix}.{index}").items():
                    flat.setdefault(field, []).extend(messages)
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [_message(m) for m in messages]}


def _first_code(codes: Any) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with one body for every error. Anything else (a bug) is left to Django
    and answered as JSON 500 by kargah.core.api_middleware.ApiErrorMiddleware."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        refusal = Response(body, status=exc.http_status)
        if "retry_after" in exc.extra:
            refusal["Retry-After"] = str(exc.extra["retry_after"])
        return refusal
    if isinstance(exc, Http404):
        # get_object_or_404 and Django's 404 speak of models in English: one plain answer.
        exc = exceptions.NotFound(_("Nothing was found at this address."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        # SessionAuthentication's refusal is English ("CSRF Failed: …") and names internals.
        exc = exceptions.PermissionDenied(
            _("This page's security token is missing or expired. Reload the page and try again."),
            code="csrf_failed",
        )
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = next(iter(errors.values()))[0] if errors else _("The data sent is not valid.")
        response.data = {"detail": first, "code": "invalid", ERRORS_KEY: errors}
    else:
        response.data = {"detail": _message(exc.detail), "code": _first_code(exc.get_codes())}
    return response
