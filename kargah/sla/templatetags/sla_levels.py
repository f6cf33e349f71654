"""Template filters of a service level: its target and its numbers as read (۹۵٪, ۱۰), not 95.00."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kargah.sla.models import ServiceLevel
from kargah.sla.selectors_card import figure_text, is_count, number_text

register = template.Library()


@register.filter
def level_target(level: ServiceLevel) -> str:
    """The target as the card and the dashboard write it: ۹۵٪ for a share, ۰ for a count."""
    return figure_text(level.target, percent=not is_count(level))


@register.filter
def level_number(value: Decimal | int) -> str:
    """A stored decimal (a fee share of 10.00) without its trailing zeros: ۱۰."""
    return number_text(value)
