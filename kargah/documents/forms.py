"""Forms of the documents pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form, NameField

UPLOAD_ACCEPT = "image/*,application/pdf"


class DocumentUploadForm(Form):
    name = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF (up to 10 pages) or a JPEG or PNG picture; at most 5 MB."),
        # On a phone: the camera or a file (the content checks decide, not this filter).
        widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT, "capture": True}),
    )

    def __init__(self, *args: Any, names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(name, name) for name in names]  # type: ignore[attr-defined]


class DocumentReviewForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        # No decision is pre-chosen (issue 11, item 10): an empty answer is refused.
        choices=[("", _("Choose a decision")), ("approve", _("Approve")), ("reject", _("Reject"))],
    )
    # The family reads it: tidied, and refused with bidi controls (kargah.core.forms).
    reason = NameField(
        title=True,
        label=_("Reason (for a rejection)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError(_("Write why the document is rejected."))
        return data
