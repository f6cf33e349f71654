"""Forms of the accounts app; every one accepts Persian, Arabic and Latin digits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Gender, Learner, Province, SchoolGrade
from kargah.accounts.validators import normalize_mobile, normalize_national_code
from kargah.core.forms import Form, JalaliDateField, ModelChoiceField, NameField


class MobileForm(Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "09xxxxxxxxx",
                "dir": "ltr",
            }
        ),
    )

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])


class CodeForm(Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "dir": "ltr",
                "maxlength": 6,
            }
        ),
        error_messages={
            "min_length": _("The code has six digits."),
            "max_length": _("The code has six digits."),
        },
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise ValidationError(_("The code has six digits."))
        return code


class LearnerForm(Form):
    first_name = NameField(label=_("First name"), max_length=100)
    last_name = NameField(label=_("Last name"), max_length=100)
    birth_date = JalaliDateField(label=_("Birth date"))
    national_code = forms.CharField(
        label=_("National code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    province = ModelChoiceField(label=_("Province"), queryset=Province.objects.all())
    school_grade = forms.TypedChoiceField(
        label=_("School grade"), choices=SchoolGrade.choices, coerce=int
    )
    data_confirmed = forms.BooleanField(
        label=_(
            "I confirm that this is the learner's true information (it is used for notifications)."
        ),
        required=True,
        error_messages={
            "required": _("Confirm that the information is the learner's true information.")
        },
    )

    def clean_national_code(self) -> str:
        return normalize_national_code(self.cleaned_data["national_code"])

    @classmethod
    def initial_for(cls, learner: Learner) -> dict[str, Any]:
        return {
            "first_name": learner.first_name,
            "last_name": learner.last_name,
            "birth_date": learner.birth_date,
            "national_code": learner.national_code,
            "gender": learner.gender,
            "province": learner.province_id,
            "school_grade": learner.school_grade,
        }
