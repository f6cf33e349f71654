"""The quality supervisor's desk at /quality/: read-only pages over every center (the
supervisor owns the agreement's service levels network-wide). Anything but GET is 403;
administrators may read it too; everyone else gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kargah.accounts.models import Role
from kargah.quality import selectors

View = Callable[..., HttpResponse]


def quality_read_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not (user.role == Role.QUALITY or user.is_administrator):
            raise Http404
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # the desk reads; changes belong to the centers and finance
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@quality_read_only
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/home.html")


@quality_read_only
def offerings(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/offerings.html", {"offerings": selectors.quality_offerings()})


@quality_read_only
def attendance(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/attendance.html", {"offerings": selectors.quality_attendance()})


@quality_read_only
def service_events(request: HttpRequest) -> HttpResponse:
    return render(
        request, "quality/service_events.html", {"events": selectors.quality_service_events()}
    )


@quality_read_only
def refunds(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/refunds.html", {"refunds": selectors.quality_refunds()})
