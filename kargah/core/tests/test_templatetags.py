"""Template filters: Jalali dates, weekdays, digits and Rials, Persian or Latin by language."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from kargah.core import persian

# 2 July 2016 is Saturday 12 Tir 1395. 20:45 UTC on 20 March 2024 is 00:15 on
# 2 Farvardin 1403 in Tehran (a Thursday).
DAY = dt.date(2016, 7, 2)
MOMENT = dt.datetime(2024, 3, 20, 20, 45, tzinfo=dt.UTC)


def render(source: str, **context: object) -> str:
    # The filters are builtins (settings TEMPLATES), so no {% load %} is needed.
    return Template(source).render(Context(context))


CASES = [
    ("{{ d|jdate }}", {"d": DAY}, "۱۳۹۵/۰۴/۱۲", "1395/04/12"),
    ('{{ d|jdate:"long" }}', {"d": DAY}, "۱۲ تیر ۱۳۹۵", "12 Tir 1395"),
    ("{{ m|jdate }}", {"m": MOMENT}, "۱۴۰۳/۰۱/۰۲", "1403/01/02"),
    ("{{ m|jdatetime }}", {"m": MOMENT}, "۱۴۰۳/۰۱/۰۲ ۰۰:۱۵", "1403/01/02 00:15"),
    ("{{ d|jweekday }}", {"d": DAY}, "شنبه", "Saturday"),
    ("{{ m|jweekday }}", {"m": MOMENT}, "پنجشنبه", "Thursday"),
    ("{{ m|tehran_time }}", {"m": MOMENT}, "۰۰:۱۵", "00:15"),
    ("{{ n|fa_digits }}", {"n": 1403}, "۱۴۰۳", "1403"),
    ("{{ s|fa_digits }}", {"s": "0912-123"}, "۰۹۱۲-۱۲۳", "0912-123"),
    ("{{ r|rial }}", {"r": 1250000}, "۱٬۲۵۰٬۰۰۰", "1,250,000"),
    ("{{ r|rial }}", {"r": 0}, "۰", "0"),
]


@pytest.mark.parametrize(("source", "context", "persian", "latin"), CASES)
def test_filters_follow_the_active_language(source, context, persian, latin):
    with translation.override("fa"):
        assert render(source, **context) == persian
    with translation.override("en"):
        assert render(source, **context) == latin


@pytest.mark.parametrize(
    "source",
    ["{{ v|jdate }}", "{{ v|jdatetime }}", "{{ v|jweekday }}", "{{ v|fa_digits }}", "{{ v|rial }}"],
)
def test_filters_render_nothing_for_none(source):
    with translation.override("fa"):
        assert render(source, v=None) == ""


def test_persian_output_has_no_latin_digits():
    with translation.override("fa"):
        text = render(
            '{{ d|jdate:"long" }} {{ m|jdatetime }} {{ r|rial }}', d=DAY, m=MOMENT, r=98765
        )
    assert not any(ch in "0123456789" for ch in text)


def test_now_jalali_tag_is_today_in_tehran():
    today = jdatetime.date.fromgregorian(date=timezone.now().astimezone(persian.TEHRAN).date())
    with translation.override("fa"):
        text = render("{% now_jalali %}")
    day, month, year = text.split(" ")
    assert persian.to_latin_digits(day) == str(today.day)
    assert month == persian.JALALI_MONTHS_FA[today.month - 1]
    assert year == persian.to_persian_digits(today.year)
