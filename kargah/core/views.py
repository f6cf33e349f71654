"""Pages of the core app: home and the Persian error pages."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from kargah.core.api_middleware import is_api


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def language_switch(request: HttpRequest, code: str) -> HttpResponse:
    """The header's language switch. A plain link rather than a POSTed form, so that public
    pages carry no per-visitor CSRF token and can be cached whole; choosing a display
    language is a preference, not an action anyone could abuse."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    if code in dict(settings.LANGUAGES):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A signed-in person's messages follow the language they chose to read in.
            from kargah.notifications.services_inbox import user_language_set

            user_language_set(user=user, language=code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,  # off in the demo over plain http
        )
    return response


def _error(
    request: HttpRequest, status: int, template: str = "", **context: object
) -> HttpResponse:
    return render(
        request, template or f"{status}.html", {"status": status, **context}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Also where Django sends a form over DATA_UPLOAD_MAX_MEMORY_SIZE or with too many
    fields (issue 8, finding 7): they get their own Persian words, the first as 413."""
    if not is_api(request):
        if isinstance(exception, RequestDataTooBig):
            limit_kb = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // 1024
            return _error(request, 413, limit_kb=max(limit_kb, 1))
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            return _error(request, 400, reason="too_many_fields")
    return _error(request, 400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is English and explains CSRF to developers."""
    return _error(request, 403, "403_csrf.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _error(request, 500)
    except Exception:  # the page itself failed (e.g. the database is down): plain Persian text
        return HttpResponse(
            "<!doctype html><html lang='fa' dir='rtl'><meta charset='utf-8'>"
            "<p>خطایی پیش آمد. لطفاً چند دقیقه دیگر دوباره تلاش کنید.</p></html>",
            status=500,
        )
