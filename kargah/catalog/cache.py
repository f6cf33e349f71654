"""Whole-response caching of the public catalog lists for visitors who are not signed in.

A rush of families opens the catalog at the same minute; the list is the same for every
anonymous visitor, so each web process keeps rendered answers for a few seconds. A catalog
version in the shared cache (Redis in production) is bumped after every commit that
changes what the lists show, so a change is seen by every process within a second; the short
local lifetime bounds how stale seat counts can be. Signed-in guardians (whose form lists
their own children) and API calls with credentials are never served from it.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

VERSION_KEY = "kargah:catalog-version"


_seen: dict[str, float] = {"version": 0, "at": float("-inf")}


def catalog_version() -> int:
    """The shared version, re-read from the shared cache at most once per
    KARGAH_CATALOG_VERSION_SECONDS in each process (a round trip to Redis per request
    would cost more than the rendering it saves)."""
    now = time.monotonic()
    if now - _seen["at"] < settings.KARGAH_CATALOG_VERSION_SECONDS:
        return int(_seen["version"])
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    _seen.update(version=int(version), at=now)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was evicted: any new value differs from the cached ones
        cache.set(VERSION_KEY, catalog_version() + 1, timeout=None)
    _seen["at"] = float("-inf")  # this process sees its own change at once


def catalog_changed() -> None:
    """Call inside the transaction that changes offerings, sessions, seats or holidays."""
    transaction.on_commit(_bump)


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.KARGAH_PUBLIC_CACHE_SECONDS > 0
        and request.method == "GET"
        and not request.user.is_authenticated
        and "HTTP_AUTHORIZATION" not in request.META
        and len(get_messages(request)) == 0
    )


def cached_for_visitors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serves a view's 200 answers to anonymous visitors from the local cache."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        query = "&".join(sorted(request.GET.urlencode().split("&")))
        digest = hashlib.blake2b(f"{request.path}?{query}".encode(), digest_size=16).hexdigest()
        key = f"catalog:{catalog_version()}:{translation.get_language()}:{digest}"
        local = caches["local"]
        stored = local.get(key)
        if stored is not None:
            content, content_type = stored
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            local.set(
                key,
                (response.content, response["Content-Type"]),
                timeout=settings.KARGAH_PUBLIC_CACHE_SECONDS,
            )
        return response

    return wrapper
