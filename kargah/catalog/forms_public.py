"""The public catalog's filter form: every field optional, every bad value a Persian error.

A field that does not validate is left out of the filters (Django drops it from
`cleaned_data`), so the list is still shown, only not filtered by that field (rule 12).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Center, Learner, Province
from kargah.catalog.models import AgeGroup, Category, TimeOfDay
from kargah.catalog.selectors import CatalogFilters
from kargah.core.forms import Form, MoneyField, unit_text
from kargah.core.persian import WEEKDAYS_EN, WEEKDAYS_FA, localize_digits

MAX_SEATS = 100_000
QUERY_MAX_LENGTH = 100


def weekday_choices() -> list[tuple[int, str]]:
    """Saturday (0) … Friday (6), named in the active language (Persian by default)."""
    persian = (translation.get_language() or "fa").startswith("fa")
    names = WEEKDAYS_FA if persian else WEEKDAYS_EN
    return list(enumerate(names))


def category_choices() -> list[tuple[int, str]]:
    """Fields first, each followed by its sub-categories (indented), in one query."""
    categories = list(Category.objects.order_by("kind", "name"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    known = {c.pk for c in categories}
    choices: list[tuple[int, str]] = []
    for category in categories:
        if category.parent_id is not None and category.parent_id in known:
            continue
        choices.append((category.pk, category.name))
        choices.extend((child.pk, f"— {child.name}") for child in children.get(category.pk, []))
    return choices


class CatalogFilterForm(Form):
    """GET form of the catalog list. Choice fields list what exists, so a guessed or stale
    id is a form error, not a query with a foreign value."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Workshop name or topic")}
        ),
    )
    category = forms.TypedChoiceField(label=_("Field"), required=False, coerce=int)
    child = forms.TypedChoiceField(label=_("For my child"), required=False, coerce=int)
    age_group = forms.TypedChoiceField(label=_("Age group"), required=False, coerce=int)
    center = forms.TypedChoiceField(label=_("Center"), required=False, coerce=int)
    province = forms.TypedChoiceField(label=_("Province"), required=False, coerce=int)
    weekday = forms.TypedChoiceField(label=_("Day of the week"), required=False, coerce=int)
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        required=False,
        choices=[("", _("Any time")), *TimeOfDay.choices],
    )
    # A fee bound typed in the site's money unit (any digits, thousands separators), as
    # whole Rials, up to the shared MAX_RIALS.
    fee_min = MoneyField(label=unit_text(_("Fee from (%(unit)s)")), required=False, min_value=0)
    fee_max = MoneyField(label=unit_text(_("Fee up to (%(unit)s)")), required=False, min_value=0)
    seats_left_min = forms.IntegerField(
        label=_("At least this many free seats"),
        required=False,
        min_value=0,
        max_value=MAX_SEATS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    registration_open = forms.BooleanField(label=_("Registration open now"), required=False)

    def __init__(
        self,
        *args: Any,
        learners: QuerySet[Learner] | list[Learner] | None = None,
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.learners = {learner.pk: learner for learner in (learners or [])}
        self._set_choices("category", [("", _("All fields")), *category_choices()])
        self._set_choices(
            "age_group",
            [
                ("", _("All age groups")),
                *((g.pk, g.name) for g in AgeGroup.objects.order_by("min_age", "max_age", "name")),
            ],
        )
        self._set_choices(
            "center", [("", _("All centers")), *((c.pk, c.name) for c in Center.objects.all())]
        )
        self._set_choices(
            "province",
            [("", _("All provinces")), *((p.pk, p.name) for p in Province.objects.all())],
        )
        self._set_choices("weekday", [("", _("Any day")), *weekday_choices()])
        if self.learners:
            self._set_choices("child", child_choices(list(self.learners.values()), today))
        else:
            del self.fields["child"]

    def _set_choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fee_min, fee_max = cleaned.get("fee_min"), cleaned.get("fee_max")
        if fee_min is not None and fee_max is not None and fee_min > fee_max:
            self.add_error("fee_max", _("The highest fee is less than the lowest fee."))
        return cleaned

    def filters(self) -> CatalogFilters:
        """The filters of the fields that validated; call after is_valid()."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        child = self.learners.get(data.get("child") or 0)
        return CatalogFilters(
            query=data.get("q") or "",
            category_id=data.get("category") or None,
            age=child.age_on(self.today) if child is not None else None,
            age_group_id=data.get("age_group") or None,
            center_id=data.get("center") or None,
            province_id=data.get("province") or None,
            weekday=_int_or_none(data.get("weekday")),
            time_of_day=data.get("time_of_day") or "",
            fee_min=data.get("fee_min"),
            fee_max=data.get("fee_max"),
            seats_left_min=data.get("seats_left_min"),
            registration_open=bool(data.get("registration_open")),
        )

    def loosen(self) -> list[tuple[str, str]]:
        """The filters in use besides the search words, (field name, label): what a family
        can drop when nothing is found."""
        data = getattr(self, "cleaned_data", {})
        return [
            (name, str(self.fields[name].label))
            for name, value in data.items()
            if name != "q" and value not in (None, "", False)
        ]

    @property
    def is_filtered(self) -> bool:
        """Whether any filter was given (to show the "clear filters" link)."""
        return any(
            value not in (None, "", False)
            for name, value in getattr(self, "cleaned_data", {}).items()
        ) or bool(self.errors)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def child_choices(learners: list[Learner], today: dt.date) -> list[tuple[Any, Any]]:
    """The choices of "for my child": each child by first name and age on `today`."""
    return [
        ("", _("Any age")),
        *(
            (
                learner.pk,
                _("%(name)s (age %(age)s)")
                % {"name": learner.first_name, "age": localize_digits(learner.age_on(today))},
            )
            for learner in learners
        ),
    ]


class FamilyChildForm(Form):
    """The catalog form's one per-family field, with the same name and id as in
    CatalogFilterForm; another family's child is an error and filters nothing."""

    child = forms.TypedChoiceField(label=_("For my child"), required=False, coerce=int)

    def __init__(self, *args: Any, learners: list[Learner], today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.learners = {learner.pk: learner for learner in learners}
        self.today = today
        field = self.fields["child"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = child_choices(learners, today)

    @property
    def age(self) -> int | None:
        """The chosen child's age, or None (no child chosen, or not this family's)."""
        if not self.learners or not self.is_valid():
            return None
        child = self.learners.get(self.cleaned_data.get("child") or 0)
        return child.age_on(self.today) if child is not None else None
