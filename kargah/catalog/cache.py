"""Caching of the public catalog lists: whole responses for visitors, shared parts for families.

A rush of families opens the catalog at the same minute; the list is the same for every
anonymous visitor, so each web process keeps rendered answers for a few seconds. A catalog
version in the shared cache (Redis in production) is bumped after every commit that
changes what the lists show, so a change is seen by every process within a second; the short
local lifetime bounds how stale seat counts can be. Signed-in guardians (whose form lists
their own children) and API calls with credentials are never served a whole response; a
signed-in family gets the shared part of the page (the filters, the cards) from the same
cache under the same version, and only its own part is rendered for it (`cached_part`).

The shared cache is a helper, not a dependency (issue 8, item 6): while Redis is down the
lists are served uncached and a change still commits and answers; the failure is logged.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from kargah.core.outage import CACHE_ERRORS

logger = logging.getLogger(__name__)

VERSION_KEY = "kargah:catalog-version"

T = TypeVar("T")

# version None: the shared cache could not be read, so nothing is served from or stored in
# the local cache until it can (a stale copy could hide another process's change).
_seen: dict[str, float | None] = {"version": 0, "at": float("-inf")}


def catalog_version() -> int | None:
    """The shared version, re-read from the shared cache at most once per
    KARGAH_CATALOG_VERSION_SECONDS in each process (a round trip to Redis per request
    would cost more than the rendering it saves); None while the cache is unreachable
    (tried again after the same interval, so an outage costs one failed call a second)."""
    now = time.monotonic()
    at = _seen["at"]
    assert at is not None
    if now - at < settings.KARGAH_CATALOG_VERSION_SECONDS:
        version = _seen["version"]
        return None if version is None else int(version)
    try:
        found = cache.get(VERSION_KEY)
        if found is None:
            cache.add(VERSION_KEY, 1, timeout=None)
            found = cache.get(VERSION_KEY, 1)
    except CACHE_ERRORS:
        logger.warning("catalog: the shared cache is unreachable; serving the lists uncached")
        _seen.update(version=None, at=now)
        return None
    _seen.update(version=int(found), at=now)
    return int(found)


def _bump() -> None:
    """Runs after the commit of a catalog change; a failure here must not turn the
    committed change into an error (issue 8, finding 9), so it is logged and dropped:
    while the cache is down nothing is served from it, and this process's own copies are
    dropped at once."""
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key was evicted: any new value differs from the cached ones
            current = catalog_version()
            if current is not None:
                cache.set(VERSION_KEY, current + 1, timeout=None)
    except CACHE_ERRORS:
        logger.warning("catalog: could not bump the catalog version in the shared cache")
        caches["local"].clear()
    _seen["at"] = float("-inf")  # this process sees its own change at once


def catalog_changed() -> None:
    """Call inside the transaction that changes offerings, sessions, seats or holidays."""
    transaction.on_commit(_bump, robust=True)


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
        version = catalog_version() if _cacheable(request) else None
        if version is None:
            return view(request, *args, **kwargs)
        query = "&".join(sorted(request.GET.urlencode().split("&")))
        digest = hashlib.blake2b(f"{request.path}?{query}".encode(), digest_size=16).hexdigest()
        key = f"catalog:{version}:{translation.get_language()}:{digest}"
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


def cached_part(name: str, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """The shared part `name` for `key` (which must name everything the part depends on
    except the catalog version and the language, added here) from the local cache, or
    built and stored. Only what is the same for every family may be stored: the caller
    renders a family's own part per request."""
    version = catalog_version() if settings.KARGAH_PUBLIC_CACHE_SECONDS > 0 else None
    if version is None:
        return build()
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    cache_key = f"catalog-part:{name}:{version}:{translation.get_language()}:{digest}"
    local = caches["local"]
    stored = local.get(cache_key)
    if stored is not None:
        return cast(T, stored)
    part = build()
    local.set(cache_key, part, timeout=settings.KARGAH_PUBLIC_CACHE_SECONDS)
    return part
