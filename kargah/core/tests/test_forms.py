"""Forms accept Persian, Arabic-Indic and Latin digits alike (rule 11)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from kargah.core.forms import Form, latin_digits_data


class _SampleForm(Form):
    count = forms.IntegerField()
    code = forms.CharField()
    tags = forms.MultipleChoiceField(choices=[("1", "1"), ("2", "2"), ("3", "3")])
    kind = forms.ChoiceField(choices=[("a", "a"), ("b", "b")])
    agree = forms.BooleanField()


def _querydict() -> QueryDict:
    data = QueryDict(mutable=True)
    data["count"] = "۱۲"
    data["code"] = "٠٩١٢-۳۴۵ 67"
    data.setlist("tags", ["۱", "٣"])
    data["kind"] = "b"
    data["agree"] = "on"
    return data


def test_querydict_digits_become_latin_in_every_value():
    submitted = _querydict()
    form = _SampleForm(submitted)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "count": 12,
        "code": "0912-345 67",
        "tags": ["1", "3"],
        "kind": "b",
        "agree": True,
    }
    # The submitted data are copied, not changed in place.
    assert submitted["count"] == "۱۲"
    assert submitted.getlist("tags") == ["۱", "٣"]


def test_request_post_style_immutable_querydict_is_accepted():
    submitted = QueryDict("count=%DB%B4%DB%B2&code=x&tags=%D9%A2&kind=a&agree=on")
    assert not submitted._mutable
    form = _SampleForm(data=submitted)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["count"] == 42
    assert form.cleaned_data["tags"] == ["2"]


def test_plain_dict_digits_become_latin():
    form = _SampleForm(
        data={"count": "٤٥", "code": "۰۰۷", "tags": ["2"], "kind": "a", "agree": True}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["count"] == 45
    assert form.cleaned_data["code"] == "007"
    assert form.cleaned_data["agree"] is True


def test_unbound_form_stays_unbound():
    form = _SampleForm()
    assert not form.is_bound
    assert latin_digits_data(None) is None


def test_non_text_values_are_kept():
    assert latin_digits_data({"n": 5, "flag": False, "s": "۵"}) == {"n": 5, "flag": False, "s": "5"}


def test_widgets_get_bootstrap_classes():
    _SampleForm()
    form = _SampleForm()  # a second form does not add the class twice
    assert form.fields["count"].widget.attrs["class"] == "form-control"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert form.fields["agree"].widget.attrs["class"] == "form-check-input"
