"""Template filters of the service-level dashboard: a breach's title and a family's name."""

from __future__ import annotations

from django import template

from kargah.accounts.models import Family
from kargah.quality.selectors_levels import breach_title as title_of
from kargah.quality.selectors_levels import family_label as label_of
from kargah.sla.models import Breach

register = template.Library()


@register.filter
def breach_title(breach: Breach) -> str:
    return title_of(breach)


@register.filter
def family_label(family: Family) -> str:
    return label_of(family)
