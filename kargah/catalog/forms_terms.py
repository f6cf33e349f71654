"""Forms of the staff pages of terms and of a course's conditions versions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Center, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import Term
from kargah.core.forms import Form, JalaliDateField, ModelChoiceField, NameField

# The longest conditions text: several pages, far below what a family reads at registration.
MAX_CONDITIONS_CHARS = 20_000


class TermForm(Form):
    center = ModelChoiceField(label=_("Center"), queryset=Center.objects.none())
    name = NameField(title=True, label=_("Name"), max_length=100)
    starts_on = JalaliDateField(label=_("First day"))
    ends_on = JalaliDateField(label=_("Last day"))

    def __init__(self, *args: Any, user: User, term: Term | None = None, **kwargs: Any) -> None:
        if term is not None:
            kwargs.setdefault(
                "initial", {"name": term.name, "starts_on": term.starts_on, "ends_on": term.ends_on}
            )
        super().__init__(*args, **kwargs)
        self.user = user
        # Only an administrator of a new term chooses its center; staff create in their own.
        if user.is_administrator and term is None:
            self.fields["center"].queryset = center_list_for_staff(user=user)  # type: ignore[attr-defined]
        else:
            del self.fields["center"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and starts > ends:
            self.add_error("ends_on", _("A term must start before it ends."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "starts_on": data["starts_on"], "ends_on": data["ends_on"]}

    def term_center(self) -> Center | None:
        return self.cleaned_data.get("center") or self.user.center


class ConditionsForm(Form):
    text = forms.CharField(
        label=_("Text of the new version"),
        max_length=MAX_CONDITIONS_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Families who register from now on accept this version; those registered keep "
            "the version they accepted."
        ),
    )
