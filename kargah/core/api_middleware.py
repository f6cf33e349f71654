"""Under /api/, every error is JSON: what Django answers before or around DRF is rewritten."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from kargah.core.parsers import RequestTooLarge, max_body_bytes
from kargah.core.persian import localize_digits

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Whether the request is the API's: its errors are JSON, the site's are pages."""
    return request.path_info.startswith(API_PREFIX)


# The one API path that takes a body larger than KARGAH_API_MAX_BODY_BYTES (see _body_limit).
UPLOAD_PATH = "/api/v1/documents"
# Headers of the original answer that keep their meaning in the JSON one.
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate", "Vary", "Content-Language")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("The request is not valid."), "bad_request"),
        401: (_("Sign in first."), "not_authenticated"),
        403: (_("You are not allowed to do this."), "permission_denied"),
        404: (_("Nothing was found at this address."), "not_found"),
        405: (_("This address does not take this method."), "method_not_allowed"),
        413: (str(RequestTooLarge().detail), "request_too_large"),
        429: (_("Too many requests. Please wait a little and try again."), "throttled"),
        500: (
            _("Something went wrong on our side. Please try again in a few minutes."),
            "server_error",
        ),
        503: (
            _("The service is busy or down for a moment. Please try again shortly."),
            "unavailable",
        ),
    }


def api_error(status: int, detail: str | None = None, code: str | None = None) -> JsonResponse:
    default_detail, default_code = _messages().get(status, (_("The request failed."), "error"))
    return JsonResponse(
        {"detail": detail or default_detail, "code": code or default_code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _query_is_text(request: HttpRequest) -> bool:
    """Django decodes the query string leniently (invalid UTF-8 becomes U+FFFD); the API
    takes only valid UTF-8, so a lone surrogate or a broken sequence is a 400."""
    raw = request.META.get("QUERY_STRING", "")
    try:
        unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _body_limit(request: HttpRequest) -> int:
    """KARGAH_API_MAX_BODY_BYTES, except where the API takes a file: a document's upload
    (POST /api/v1/documents, multipart) may carry the largest file the documents' checks
    take, with room for its other fields (kargah.documents.api.UPLOAD_MAX_BODY_BYTES)."""
    if request.method == "POST" and request.path == UPLOAD_PATH:
        from kargah.documents.api import UPLOAD_MAX_BODY_BYTES

        return UPLOAD_MAX_BODY_BYTES
    return max_body_bytes()


def _request_too_large(limit: int) -> str:
    return _("The request is too large: the API takes at most %(size)s kilobytes.") % {
        "size": localize_digits(limit // 1024)
    }


class ApiErrorMiddleware:
    """For paths under /api/: a body over `KARGAH_API_MAX_BODY_BYTES` (a document's upload:
    its own limit, see _body_limit) is a 413 before anything reads it, a query string that is not UTF-8 a 400, and any error answer that is not JSON
    (Django's 404 for an unknown path or a non-integer id, the 500 page of an unhandled
    exception, another layer's 503) is replaced by JSON `{detail, code}` in the active
    language, keeping its status and headers such as Retry-After. Placed after
    PersianFirstLocaleMiddleware, so the caller's language is active."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return api_error(400)
        limit = _body_limit(request)
        if length > limit:
            return api_error(413, _request_too_large(limit))
        if not _query_is_text(request):
            return api_error(
                400, _("The address holds characters that are not valid text."), "invalid_unicode"
            )
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        answer = api_error(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer
