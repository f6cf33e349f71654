"""Forms of certificates: the public code check and the center's revocation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.certificates.models import CODE_LENGTH
from kargah.certificates.selectors import normalize_code
from kargah.certificates.services import REVOKE_REASON_MAX
from kargah.core.forms import Form


class VerifyForm(Form):
    # Room for the dash, spaces and a stray character around the ten letters.
    code = forms.CharField(
        label=_("Verification code"),
        max_length=CODE_LENGTH * 3,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "dir": "ltr", "placeholder": "ABCDE-FGHJK"}
        ),
    )  # fmt: skip

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A code has ten letters and digits, as printed under the certificate's QR code.")
            )
        return code


class RevokeForm(Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=REVOKE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> Any:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for revoking the certificate."))
        return reason
