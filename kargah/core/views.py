"""Pages of the core app: home and the Persian error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "core/error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


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
