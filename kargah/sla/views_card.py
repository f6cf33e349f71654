"""The public service card at /service-card/ (شناسنامه خدمت): no sign-in, and its body is
rendered once per few minutes and kept in the project's shared cache.

What the body shows changes at three kinds of moment, and the cache key or its lifetime
follows each: a published offering or a fee (the catalog's version, bumped on commit of every
catalog change, is part of the key: seen at once), a new day (a term that starts or ends at
midnight Tehran: the day is part of the key), and a measurement the hourly evaluation job
records or a version an administrator adds (seen within CARD_CACHE_SECONDS). While the
shared cache is down the card is rendered for every request, as the catalog is."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from kargah.catalog.cache import catalog_version
from kargah.core.outage import CACHE_ERRORS
from kargah.sla.selectors import today
from kargah.sla.selectors_card import service_card as card_data

logger = logging.getLogger(__name__)

# The measurements change at most once an hour (the job): five minutes turns a rush of
# visitors into one rendering, and still shows a new measurement or version soon.
CARD_CACHE_SECONDS = 300
CARD_CACHE_PREFIX = "sla:service-card"


def _render_body() -> str:
    card = card_data(today())
    return render_to_string(
        "sla/_service_card_body.html", {"card": card, "rendered_at": timezone.now()}
    )


def card_cache_key(*, catalog: int) -> str:
    return f"{CARD_CACHE_PREFIX}:{catalog}:{translation.get_language()}:{today().isoformat()}"


def service_card_body() -> str:
    """The card's body from the shared cache, or rendered (and stored) now."""
    catalog = catalog_version()
    if catalog is None:  # the shared cache is unreachable
        return _render_body()
    key = card_cache_key(catalog=catalog)
    try:
        stored = cache.get(key)
    except CACHE_ERRORS:
        logger.warning("service card: the shared cache is unreachable; rendered uncached")
        return _render_body()
    if stored is not None:
        return str(stored)
    body = _render_body()
    try:
        cache.set(key, body, timeout=CARD_CACHE_SECONDS)
    except CACHE_ERRORS:
        logger.warning("service card: could not store the card in the shared cache")
    return body


@require_safe
def service_card(request: HttpRequest) -> HttpResponse:
    # Our own template's output, stored as rendered: nothing a visitor typed is in it.
    body = mark_safe(service_card_body())  # noqa: S308
    return render(request, "sla/service_card.html", {"body": body})
