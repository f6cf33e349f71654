"""Form base that accepts Persian, Arabic and Latin digits in every field (rule 11)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from kargah.core.persian import to_latin_digits


def latin_digits_data(data: Any) -> Any:
    """A copy of submitted data with every text value's digits made Latin."""
    if data is None:
        return None
    if isinstance(data, MultiValueDict):  # QueryDict included
        copy = data.copy()
        for key, values in data.lists():
            copy.setlist(key, [to_latin_digits(v) if isinstance(v, str) else v for v in values])
        return copy
    return {k: to_latin_digits(v) if isinstance(v, str) else v for k, v in dict(data).items()}


class PersianDigitsMixin:
    """Mix into a Form or ModelForm: digits are normalised before any field cleans them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            args = (latin_digits_data(args[0]), *args[1:])
        elif "data" in kwargs:
            kwargs["data"] = latin_digits_data(kwargs["data"])
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class Form(PersianDigitsMixin, forms.Form):
    pass


class ModelForm(PersianDigitsMixin, forms.ModelForm):
    pass
