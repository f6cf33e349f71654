"""The form staff write a message to families with (issue 11 item 6)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form
from kargah.enrollment.services_messages import (
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

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        problems = placeholder_problems(text)
        if problems:
            raise ValidationError(problems)
        return text

    def service_kwargs(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"], "template": self.cleaned_data["template"]}
