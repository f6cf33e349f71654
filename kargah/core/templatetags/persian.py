"""Template filters that show dates, times, numbers and money the Persian way (rule 11)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

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
    return "" if value is None else persian.format_rial(int(value))


# Left-to-right isolate around a signed amount, so that its sign stays by its digits in a
# right-to-left line (a bare "+" or "−" before Persian digits would drift to their other side).
_LRI, _PDI = "\u2066", "\u2069"


@register.filter
def money(value: int | None, style: str = "") -> str:
    """An amount of whole Rials as the site shows money: Toman (Rials ÷ 10, the default) or
    Rials by the KARGAH_MONEY_DISPLAY setting, with the unit and the active language's digits.
    {{ fee|money }} → ۵۰۰٬۰۰۰ تومان; {{ entry.amount|money:"signed" }} → +۵۰۰٬۰۰۰ تومان."""
    if value is None or value == "":
        return ""
    rials = int(value)
    magnitude = abs(rials)
    if getattr(settings, "KARGAH_MONEY_DISPLAY", "toman") == "rial":
        number, unit = persian.format_rial(magnitude), _("Rials")
    else:
        whole, tenths = divmod(magnitude, 10)
        number, unit = persian.format_rial(whole), _("Toman")
        if tenths:  # a Rial amount that is not a whole number of Toman
            point = "٫" if persian.localize_digits("0") == "۰" else "."
            number += point + persian.localize_digits(tenths)
    if style == "signed" and rials:
        number = f"{_LRI}{'+' if rials > 0 else '−'}{number}{_PDI}"
    elif rials < 0:
        number = f"{_LRI}−{number}{_PDI}"
    return f"{number} {unit}"


@register.simple_tag
def now_jalali() -> str:
    """Today's date in the Jalali calendar, long form, in Tehran."""
    return persian.format_jalali_date(timezone.now(), long=True)
