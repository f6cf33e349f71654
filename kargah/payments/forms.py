"""Forms of the payments app; amounts accept Persian, Arabic or Latin digits and
thousands separators."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form
from kargah.core.persian import to_latin_digits

# Thousands separators people type or paste: comma, Arabic comma and thousands separator,
# apostrophe, spaces (also no-break and thin), zero-width non-joiner, underscore. A dot or
# the Arabic decimal separator is refused rather than guessed: Rials have no fractions.
_SEPARATORS = re.compile(r"[,\u060c\u066c'\s\u00a0\u2009\u202f\u200c_]")


def parse_rials(value: str) -> int:
    """«۱٬۲۰۰٬۰۰۰», "1,200,000" or "1200000" → 1200000; anything else is a ValidationError."""
    digits = _SEPARATORS.sub("", to_latin_digits(value or ""))
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(_("Type the amount in Rials, with digits only."))
    if len(digits) > 15:
        raise ValidationError(_("This amount is too large."))
    return int(digits)


class TopUpForm(Form):
    amount = forms.CharField(
        label=_("Amount (Rials)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    )

    def clean_amount(self) -> int:
        return parse_rials(self.cleaned_data["amount"])
