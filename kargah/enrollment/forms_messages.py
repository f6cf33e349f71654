"""The form staff write a message to families with (issue 11 item 6)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form
from kargah.enrollment.services_messages import (
    SEND_KEY,
    TEMPLATE_LABELS,
    TEXT_MAX_CHARS,
    placeholder_problems,
)


class FamilyMessageForm(Form):
    """A ready template or free text; placeholders are checked here and again by the service."""

    template = forms.ChoiceField(
        label=_("Template"),
        choices=[(key, _(label)) for key, label in TEMPLATE_LABELS.items()],
        initial="free",
    )
    text = forms.CharField(
        label=_("Message"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_(
            "Placeholders: {child} the family's children in the class, {class} the class, "
            "{date} and {time} the session (the next one for a class or term), {center} the center."
        ),
    )

    # The one-time key of this form, kept through the preview: sending it twice (a double
    # click, a reload) sends the message once (services_messages.family_message_send).
    send_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_send_key(self) -> str:
        key: str = self.cleaned_data.get("send_key") or ""
        # A key that is not ours is dropped, and the view makes a new one: nothing to tell.
        return key if SEND_KEY.match(key) else ""

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        problems = placeholder_problems(text)
        if problems:
            raise ValidationError(problems)
        return text

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "text": self.cleaned_data["text"],
            "template": self.cleaned_data["template"],
            "send_key": self.cleaned_data["send_key"],
        }
