"""Persian digits and Jalali dates (rule 11)."""

import datetime as dt

import pytest
from django.utils import translation

from kargah.core import persian


def test_digits_of_every_script_become_latin():
    assert persian.to_latin_digits("۰۹۱۲-١٢٣ 45") == "0912-123 45"


def test_jalali_date_in_tehran_time_with_persian_digits():
    # 20:45 UTC on 20 March 2024 is already 21 March (2 Farvardin 1403) in Tehran.
    moment = dt.datetime(2024, 3, 20, 20, 45, tzinfo=dt.UTC)
    with translation.override("fa"):
        assert persian.format_jalali_date(moment) == "۱۴۰۳/۰۱/۰۲"
        assert persian.format_jalali_date(moment, long=True) == "۲ فروردین ۱۴۰۳"
        assert persian.format_tehran_time(moment) == "۰۰:۱۵"
    with translation.override("en"):
        assert persian.format_jalali_date(moment, long=True) == "2 Farvardin 1403"


@pytest.mark.parametrize("text", ["۱۳۹۵/۰۴/۱۲", "1395/4/12", "١٣٩٥-٠٤-١٢", " 1395.04.12 "])
def test_parse_jalali_date_accepts_any_digits_and_separators(text):
    assert persian.parse_jalali_date(text) == dt.date(2016, 7, 2)


@pytest.mark.parametrize("text", ["1395/13/01", "1395/12/31", "hello", "", "1395/04"])
def test_parse_jalali_date_rejects_non_dates(text):
    with pytest.raises(ValueError):
        persian.parse_jalali_date(text)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        persian.to_tehran(dt.datetime(2024, 1, 1, 12, 0))
