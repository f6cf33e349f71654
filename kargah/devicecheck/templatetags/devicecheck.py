"""Template filters of the device check: whether a learner's latest check still counts."""

from __future__ import annotations

from django import template

from kargah.devicecheck import selectors
from kargah.devicecheck.models import DeviceCheck

register = template.Library()


@register.filter
def device_check_is_current(check: DeviceCheck | None) -> bool:
    return selectors.is_current(check)
