"""The one money unit (issue 9): stored as whole Rials (DOMAIN, Wallet), shown and typed in
Toman by default (Rials by the setting), without fractions, grouped with «٬» (U+066C)."""

from __future__ import annotations

import pytest
from django import forms
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kargah.core.forms import Form, MoneyField
from kargah.core.persian import format_money, money_unit, parse_money

LRI, PDI = "\u2066", "\u2069"


def shown(rials: int, *, signed: bool = False, setting: str = "toman", lang: str = "fa") -> str:
    with override_settings(KARGAH_MONEY_DISPLAY=setting), translation.override(lang):
        return format_money(rials, signed=signed)


@pytest.mark.parametrize(
    ("rials", "signed", "setting", "expected"),
    [
        (5_000_000, False, "toman", "۵۰۰٬۰۰۰ تومان"),
        (2_299_995, False, "toman", "۲۲۹٬۹۹۹ تومان"),  # issue 9: never «۲۲۹٬۹۹۹٫۵»
        (0, True, "toman", "۰ تومان"),
        (1_250_000, True, "toman", f"{LRI}+۱۲۵٬۰۰۰{PDI} تومان"),
        (-1_250_000, True, "toman", f"{LRI}−۱۲۵٬۰۰۰{PDI} تومان"),
        (-1_250_000, False, "toman", f"{LRI}−۱۲۵٬۰۰۰{PDI} تومان"),
        (5_000_000, False, "rial", "۵٬۰۰۰٬۰۰۰ ریال"),
        (1_000_000_000, False, "toman", "۱۰۰٬۰۰۰٬۰۰۰ تومان"),
    ],
)
def test_format_money(rials, signed, setting, expected):
    assert shown(rials, signed=signed, setting=setting) == expected


def test_format_money_in_english_has_latin_digits_and_commas():
    assert shown(12_345_670, lang="en") == "1,234,567 Toman"
    assert shown(12_345_670, setting="rial", lang="en") == "12,345,670 Rials"


@given(st.integers(min_value=-(10**15), max_value=10**15), st.booleans())
def test_an_amount_is_never_shown_with_a_fraction_or_a_latin_digit(rials, signed):
    text = shown(rials, signed=signed)
    assert "٫" not in text and "." not in text  # «٫» reads like a slash
    assert not any(c.isascii() and c.isdigit() for c in text)
    assert text.endswith(" تومان") and "ریال" not in text
    # The separator is U+066C and groups three digits.
    digits = text.replace(LRI, "").replace(PDI, "").lstrip("+−").split(" ")[0]
    groups = digits.split("٬")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.integers(min_value=0, max_value=10**13))
def test_what_is_shown_reads_back_as_the_same_rials(tomans):
    rials = tomans * 10
    assert parse_money(shown(rials).removesuffix(" تومان")) == rials
    with override_settings(KARGAH_MONEY_DISPLAY="rial"):
        assert parse_money(shown(rials, setting="rial").removesuffix(" ریال")) == rials


@pytest.mark.parametrize("typed", ["", "12.5", "۱۲٫۵", "-5", "abc", "١٢x", "9" * 16])
def test_parse_money_refuses_what_is_not_a_whole_amount(typed):
    with pytest.raises(ValueError):
        parse_money(typed)


def test_the_unit_follows_the_setting():
    with translation.override("fa"):
        assert money_unit() == "تومان"
        with override_settings(KARGAH_MONEY_DISPLAY="rial"):
            assert money_unit() == "ریال"


class _FeeForm(Form):
    fee = MoneyField(label="fee", required=False)


@pytest.mark.parametrize(
    ("typed", "rials"),
    [("۵۰۰٬۰۰۰", 5_000_000), ("500,000", 5_000_000), ("٥٠٠ ٠٠٠", 5_000_000), ("", None)],
)
def test_a_money_field_takes_toman_and_gives_rials(typed, rials):
    form = _FeeForm(data={"fee": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fee"] == rials


@override_settings(KARGAH_MONEY_DISPLAY="rial")
def test_in_rials_a_money_field_refuses_what_is_not_a_whole_toman():
    """Fees and refunds are whole Tomans (issue 9), whatever unit they are typed in."""
    assert _FeeForm(data={"fee": "1,234,560"}).is_valid()
    refused = _FeeForm(data={"fee": "1,234,565"})
    assert not refused.is_valid() and refused.errors["fee"]


def test_a_money_field_shows_a_stored_fee_in_the_unit():
    form = _FeeForm(initial={"fee": 5_000_000})
    assert 'value="500000"' in str(form["fee"])
    assert isinstance(form.fields["fee"].widget, forms.TextInput)
    with translation.override("fa"):
        assert "تومان" in str(_FeeForm(data={"fee": "x"}).errors["fee"])
