"""Jalali dates in Tehran time wherever staff read or type a date in the Django admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.db import models

from kargah.core.forms import (
    JalaliDateField,
    JalaliDateInput,
    JalaliDateTimeField,
    JalaliDateTimeInput,
)
from kargah.core.persian import format_jalali_date, format_jalali_datetime

_display_for_field = utils.display_for_field
_display_for_value = utils.display_for_value


def _jalali(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return format_jalali_datetime(value)
    if isinstance(value, dt.date):
        return format_jalali_date(value)
    return None


def display_for_field(
    value: Any, field: models.Field[Any, Any], empty_value_display: str, avoid_link: bool = False
) -> Any:
    """Django's own, but a date or a date-time (list columns, read-only detail fields) is
    shown as on the site: «۱۴۰۵/۰۹/۱۱ ۱۰:۳۰» in Tehran time (rule 11, issue 9)."""
    if isinstance(field, models.DateField) and not getattr(field, "flatchoices", None):
        shown = _jalali(value)
        if shown is not None:
            return shown
    return _display_for_field(value, field, empty_value_display, avoid_link)


def display_for_value(value: Any, empty_value_display: str, boolean: bool = False) -> Any:
    """The same for a column computed by a ModelAdmin method that returns a date."""
    shown = None if boolean else _jalali(value)
    return _display_for_value(value, empty_value_display, boolean) if shown is None else shown


def install() -> None:
    """Makes every ModelAdmin of the site (Kargah's and Django's own, such as groups) show
    Jalali dates. The admin formats values through these two functions, imported by name
    into its list and read-only field code, so they are replaced where they are used: a
    ModelAdmin mixin could not reach the read-only fields of a detail page or Django's own
    admins. The inputs of the edit forms come from the admin bases below."""
    for module in (utils, admin_list, helpers):
        module.display_for_field = display_for_field  # type: ignore[attr-defined]
        module.display_for_value = display_for_value  # type: ignore[attr-defined]


# The admin's date and date-time inputs: typed and shown in the Jalali calendar (Tehran time,
# any digits) and saved as the Gregorian date or the aware datetime (rule 11, issue 9).
JALALI_INPUTS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateInput},
    models.DateTimeField: {"form_class": JalaliDateTimeField, "widget": JalaliDateTimeInput},
}


class ModelAdmin(admin.ModelAdmin):
    """The base of Kargah's admins: Jalali date inputs."""

    formfield_overrides = JALALI_INPUTS


class TabularInline(admin.TabularInline):
    """The base of Kargah's inlines: Jalali date inputs."""

    formfield_overrides = JALALI_INPUTS
