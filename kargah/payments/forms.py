"""Forms of the payments app; amounts accept Persian, Arabic or Latin digits and
thousands separators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form, MoneyField, min_transfer_rials, rials_message, unit_text
from kargah.payments.services import TOP_UP_MAX_RIALS


def check_top_up_amount(amount: int) -> int:
    """The gateway's bounds of one top-up, as a field error (the service checks them too)."""
    if amount < min_transfer_rials():
        raise ValidationError(
            rials_message(_("The least you can add is %(amount)s."), min_transfer_rials()),
            code="amount_too_small",
        )
    if amount > TOP_UP_MAX_RIALS:
        raise ValidationError(
            rials_message(_("The most you can add at once is %(amount)s."), TOP_UP_MAX_RIALS),
            code="amount_too_large",
        )
    return amount


class TopUpForm(Form):
    amount = MoneyField(label=unit_text(_("Amount (%(unit)s)")))

    def clean_amount(self) -> int:
        return check_top_up_amount(self.cleaned_data["amount"])
