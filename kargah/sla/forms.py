"""Forms of the agreement's staff pages: a new signed version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.core.errors import DomainError
from kargah.core.forms import Form, JalaliDateField
from kargah.sla.services import sla_version_check_term

MAX_TEXT_CHARS = 50_000


class SlaVersionForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    service = forms.CharField(label=_("Service"), max_length=300)
    text = forms.CharField(
        label=_("Text of the agreement"),
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    signatory = forms.CharField(
        label=_("Signed by"), max_length=200, help_text=_("Name and position of the signatory.")
    )
    valid_from = JalaliDateField(label=_("Valid from"))
    valid_until = JalaliDateField(
        label=_("Valid until"), help_text=_("At most one year after the first day.")
    )
    copy_levels = forms.BooleanField(
        label=_("Keep the service levels of the latest version"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("title", "service", "text", "signatory"):
            if name in data and not str(data[name]).strip():
                self.add_error(name, _("This field is required."))
        starts, ends = data.get("valid_from"), data.get("valid_until")
        if starts and ends:
            try:
                sla_version_check_term(valid_from=starts, valid_until=ends)
            except DomainError as exc:
                self.add_error("valid_until", str(exc.message))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"].strip(),
            "service": data["service"].strip(),
            "text": data["text"].strip(),
            "signatory": data["signatory"].strip(),
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "copy_levels": bool(data.get("copy_levels")),
        }
