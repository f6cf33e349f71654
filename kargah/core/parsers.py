"""The API's one body parser: strict JSON with limits on size and nesting, and valid Unicode only."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from kargah.core.persian import localize_digits

# Deeper than any body the API takes (its bodies are flat objects); the limit is checked on
# the text before it is parsed, so no input reaches Python's recursion limit.
MAX_DEPTH = 32

# A JSON string literal: escapes consume the next character, so `\"` does not end it.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


def max_body_bytes() -> int:
    return int(settings.KARGAH_API_MAX_BODY_BYTES)


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(
            _("The request is too large: the API takes at most %(size)s kilobytes.")
            % {"size": localize_digits(max_body_bytes() // 1024)}
        )


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    for char in _STRING.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def has_lone_surrogate(data: Any) -> bool:
    """Whether any key or string in parsed JSON holds a surrogate code point: `"\\ud800"` is
    valid JSON but no text, and it cannot be stored, hashed as UTF-8 or shown."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


class StrictJSONParser(JSONParser):
    """DRF's JSONParser lets `RecursionError` through on deep nesting and accepts lone
    surrogates; this one refuses both, invalid UTF-8 and bodies over
    `KARGAH_API_MAX_BODY_BYTES`, each with a 400 (413 for size) and a translated message."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8
        except UnicodeDecodeError:
            raise ParseError(
                _("The request body is not valid UTF-8 text."), code="invalid_unicode"
            ) from None
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(
                _("The request body nests deeper than %(depth)s levels.")
                % {"depth": localize_digits(MAX_DEPTH)},
                code="too_deep",
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise ParseError(_("The request body is not valid JSON."), code="parse_error") from None
        if has_lone_surrogate(data):
            raise ParseError(
                _("The request body holds characters that are not valid text."),
                code="invalid_unicode",
            )
        return data
