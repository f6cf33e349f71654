"""The verify page's rate limit: a fixed window per address in the shared cache."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from kargah.core.outage import CACHE_ERRORS

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 600


def _limit() -> int:
    return int(getattr(settings, "KARGAH_CERTIFICATE_VERIFY_PER_10_MINUTES", 30))


def verify_allowed(ip: str | None) -> bool:
    """Counts one look-up from `ip` and says whether it is within the limit
    (KARGAH_CERTIFICATE_VERIFY_PER_10_MINUTES), so that codes cannot be tried by the
    thousand. The shared cache is a helper (issue 8): while it is down, look-ups go on."""
    window = int(timezone.now().timestamp()) // WINDOW_SECONDS
    key = f"certificates:verify:{ip or 'unknown'}:{window}"
    try:
        if cache.add(key, 1, timeout=WINDOW_SECONDS):
            return True
        return int(cache.incr(key)) <= _limit()
    except ValueError:  # expired between add and incr: this is the window's first
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return True
    except CACHE_ERRORS:
        logger.warning("certificates: the shared cache is unreachable; verify look-ups unthrottled")
        return True
