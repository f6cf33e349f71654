"""Serializer bases and fields that read API input as the forms read pages: digits of any
script, names tidied and checked by the same validator (kargah.core.forms.validate_name)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kargah.core.forms import latin_digits_data, validate_name
from kargah.core.persian import MONEY_SEPARATORS


class LatinDigitsMixin:
    """Mix into a serializer: Persian and Arabic digits in the top-level text values become
    Latin before any field reads them (a school grade «۵», an amount «۱۰٬۰۰۰»)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = latin_digits_data(data)
        return super().to_internal_value(data)  # type: ignore[misc]


class Serializer(LatinDigitsMixin, serializers.Serializer):
    pass


class ModelSerializer(LatinDigitsMixin, serializers.ModelSerializer):
    pass


def drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(list(exc.messages), code=getattr(exc, "code", None))


class ChoiceField(serializers.ChoiceField):
    """A choice whose refusal does not quote the input back (DRF's does, as Python shows it:
    «"['\\x1f']" …», with whatever letters the caller sent)."""

    default_error_messages = {
        **serializers.ChoiceField.default_error_messages,
        "invalid_choice": _("This is not one of the allowed values."),
    }


# 1,500,000 or ۱٬۵۰۰٬۰۰۰: one to three digits, then groups of three after one separator.
_GROUPED_DIGITS = re.compile(rf"\d{{1,3}}(?:{MONEY_SEPARATORS.pattern}\d{{3}})+")


class RialsField(serializers.IntegerField):
    """Whole Rials (the API's amounts, whatever unit the pages show). Thousands separators
    (kargah.core.persian.MONEY_SEPARATORS, the forms' own) are accepted between groups of
    three digits only, so that 1,5 is refused, not read as 15; a decimal point (0.5, ۲٫۵) is
    no separator and is refused too."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and MONEY_SEPARATORS.search(data.strip()):
            if not _GROUPED_DIGITS.fullmatch(data.strip()):
                raise serializers.ValidationError(
                    _("Enter a whole number of Rials, such as 1,500,000.")
                )
            data = MONEY_SEPARATORS.sub("", data)
        return super().to_internal_value(data)


class NameField(serializers.CharField):
    """A person's name (or, with `title=True`, a title) as stored; see
    kargah.core.forms.NameField."""

    def __init__(self, *, title: bool = False, **kwargs: Any) -> None:
        self.title = title
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return validate_name(text, title=self.title)
        except DjangoValidationError as exc:
            raise drf_error(exc) from None
