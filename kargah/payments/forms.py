"""Forms of the payments app; amounts accept Persian, Arabic or Latin digits and
thousands separators."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form, rials_message
from kargah.core.persian import to_latin_digits
from kargah.payments.services import TOP_UP_MAX_RIALS, top_up_min_rials

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


def check_top_up_amount(amount: int) -> int:
    """The gateway's bounds of one top-up, as a field error (the service checks them too)."""
    if amount < top_up_min_rials():
        raise ValidationError(
            rials_message(_("The least you can add is %(amount)s Rials."), top_up_min_rials()),
            code="amount_too_small",
        )
    if amount > TOP_UP_MAX_RIALS:
        raise ValidationError(
            rials_message(_("The most you can add at once is %(amount)s Rials."), TOP_UP_MAX_RIALS),
            code="amount_too_large",
        )
    return amount


class TopUpForm(Form):
    amount = forms.CharField(
        label=_("Amount (Rials)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    )

    def clean_amount(self) -> int:
        return check_top_up_amount(parse_rials(self.cleaned_data["amount"]))
