"""bench.urls with the catalog list's shared part built on every request (the "before" of
issue 9, item 8), for `python -m bench.run --settings bench.settings_parts_uncached`."""

from typing import Any

from bench.urls import handler400, handler403, handler404, handler500, urlpatterns
from kargah.catalog import views_public


def _uncached(name: str, key: tuple[Any, ...], build: Any) -> Any:
    return build()


views_public.cached_part = _uncached  # type: ignore[assignment]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
