"""Template filters of the service-level dashboard: a breach's title in the page's language."""

from __future__ import annotations

from django import template

from kargah.quality.selectors_levels import breach_title as title_of
from kargah.sla.models import Breach

register = template.Library()


@register.filter
def breach_title(breach: Breach) -> str:
    return title_of(breach)
