"""Forms of the wallet pages: a guardian's refund request, and finance's decisions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.errors import DomainError
from kargah.core.forms import (
    MAX_RIALS,
    Form,
    JalaliDateField,
    MoneyField,
    NameField,
    min_transfer_rials,
    rials_message,
    unit_text,
)
from kargah.wallet.models import AccountKind
from kargah.wallet.refunds import clean_account_holder, normalize_sheba


def check_refund_amount(amount: int) -> int:
    """A refund leaves by bank transfer: at least its minimum, and a number the ledger holds
    (the service checks the minimum too)."""
    if amount > MAX_RIALS:
        raise ValidationError(_("This amount is too large."), code="amount_too_large")
    if amount < min_transfer_rials():
        raise ValidationError(
            rials_message(_("A bank transfer is at least %(amount)s."), min_transfer_rials()),
            code="amount_too_small",
        )
    return amount


class RefundRequestForm(Form):
    # Zero or less is refused by check_refund_amount, naming the least transfer in the unit.
    amount = MoneyField(label=unit_text(_("Amount (%(unit)s)")))
    sheba = forms.CharField(
        label=_("Sheba number"),
        max_length=40,
        help_text=_("IR followed by 24 digits, as printed on your bank card or statement."),
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "IR", "autocomplete": "off"}),
    )
    account_holder = NameField(
        label=_("Account holder's name"),
        max_length=150,
        help_text=_("As the bank knows it; the money goes only to this person's account."),
    )
    # A one-time token of this form: sending it twice (a double click, a reload) makes
    # one request (kargah.core.idempotency).
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_amount(self) -> int:
        return check_refund_amount(self.cleaned_data["amount"])

    def clean_sheba(self) -> str:
        try:
            return normalize_sheba(self.cleaned_data["sheba"])
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from None

    def clean_account_holder(self) -> str:
        try:
            return clean_account_holder(self.cleaned_data["account_holder"])
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from None


class RefundRejectForm(Form):
    # Sent to the guardian by SMS: tidied, and refused with bidi controls (kargah.core.forms).
    reason = NameField(
        title=True,
        label=_("Reason for rejection"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefundPaidForm(Form):
    bank_reference = NameField(
        title=True,
        label=_("Bank reference"),
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )


class LedgerPeriodForm(Form):
    """Finance's ledger and statement filter: an account and a Jalali date range (either
    end may be left open). The account is ignored on a family's statement."""

    account = forms.ChoiceField(
        label=_("Account"), required=False, choices=[("", _("All accounts")), *AccountKind.choices]
    )
    start = JalaliDateField(label=_("From"), required=False)
    end = JalaliDateField(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("The end of the period comes before its start."), code="period")
        return data
