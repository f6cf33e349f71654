"""Template filters that show dates, times, numbers and money the Persian way (rule 11)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from kargah.core import persian

register = template.Library()


@register.filter
def jdate(value: dt.date | dt.datetime | None, style: str = "") -> str:
    """{{ d|jdate }} → ۱۴۰۳/۰۱/۰۵ ; {{ d|jdate:"long" }} → ۵ فروردین ۱۴۰۳."""
    if value is None or value == "":
        return ""
    return persian.format_jalali_date(value, long=style == "long")


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    if value is None or value == "":
        return ""
    return persian.format_jalali_datetime(value)


@register.filter
def jweekday(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else persian.format_weekday(value)


@register.filter
def tehran_time(value: dt.datetime | None) -> str:
    return "" if value is None else persian.format_tehran_time(value)


@register.filter
def fa_digits(value: object) -> str:
    return "" if value is None else persian.localize_digits(value)


@register.filter
def rial(value: int | None) -> str:
    """A grouped whole number (۱٬۲۵۰٬۰۰۰) without a unit. Money is shown with |money, in the
    site's one unit (issue 9)."""
    return "" if value is None else persian.format_rial(int(value))


@register.filter
def money(value: int | None, style: str = "") -> str:
    """An amount of whole Rials in the site's one money unit (kargah.core.persian.format_money).
    {{ fee|money }} → ۵۰۰٬۰۰۰ تومان; {{ entry.amount|money:"signed" }} → +۵۰۰٬۰۰۰ تومان."""
    if value is None or value == "":
        return ""
    return persian.format_money(int(value), signed=style == "signed")


@register.simple_tag
def money_unit() -> str:
    """{% money_unit as unit %}: the word of the site's money unit, for labels."""
    return persian.money_unit()


@register.simple_tag
def now_jalali() -> str:
    """Today's date in the Jalali calendar, long form, in Tehran."""
    return persian.format_jalali_date(timezone.now(), long=True)
