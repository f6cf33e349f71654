"""Form base that accepts Persian, Arabic and Latin digits in every field (rule 11), and the
name field that tidies and checks what a person types as a name or a title."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kargah.core.persian import (
    MAX_MARKS_PER_LETTER,
    RIALS_PER_TOMAN,
    NameTextError,
    clean_name,
    format_money,
    jalali_input_text,
    localize_digits,
    money_unit,
    parse_jalali_date,
    parse_jalali_datetime,
    parse_money,
    rials_per_unit,
    to_latin_digits,
)


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


class ConfirmWarningsMixin(forms.Form):
    """A form whose save waits for a confirmation when the view found warnings (item 10 of
    issue 11: sessions outside the term, on a Friday): the warnings are shown with a
    "confirm" box, and without the box ticked nothing is saved."""

    confirm = forms.BooleanField(
        label=_("I have read the warnings above and want to save anyway"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def unconfirmed(self, warnings: list[str]) -> bool:
        """Whether there are warnings the person has not confirmed (then an error is on the
        form and the view saves nothing)."""
        self.warnings = warnings
        if warnings and not self.cleaned_data.get("confirm"):
            self.add_error("confirm", _("Read the warnings and tick the box to confirm."))
            return True
        return False


# --- choices of rows -------------------------------------------------------------------------

_NOT_IN_LIST = _("Choose one of the options in the list.")


class ModelChoiceField(forms.ModelChoiceField):
    """A row chosen from a list. An id past the database's integers is not in the list: on
    SQLite (the demo) Django sends it to the database, which raises OverflowError (a 500)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(_NOT_IN_LIST, code="invalid_choice") from None


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen from a list; see ModelChoiceField."""

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)
        except OverflowError:
            raise ValidationError(_NOT_IN_LIST, code="invalid_choice") from None


# --- money --------------------------------------------------------------------------------

# Far above any amount a family or a center handles, far below the 64-bit integer columns
# that store Rials: a larger number is a form error, never an overflow in the database.
MAX_RIALS = 10**15


def min_transfer_rials() -> int:
    """The least money moved to or from a bank (a top-up, a refund), read when used."""
    return int(settings.KARGAH_MIN_TRANSFER_RIALS)


def _rials_text(template: Any, amount: int) -> str:
    return str(template) % {"amount": format_money(amount)}


# A message naming an amount, formatted when shown: Persian digits in Persian, Latin in
# English, whatever the language when the form or serializer was declared.
rials_message = lazy(_rials_text, str)


def _unit_text(template: Any) -> str:
    return str(template) % {"unit": money_unit()}


# A label or help text naming the money unit ("Amount (Toman)"), read when shown, so the
# KARGAH_MONEY_DISPLAY setting and the language of the request decide it.
unit_text = lazy(_unit_text, str)


class MoneyField(forms.IntegerField):
    """An amount typed in the site's money unit (Toman by default, issue 9) with any digits
    and thousands separators; cleaned to whole Rials. Fees and refunds are whole Tomans: in
    Toman every whole number typed is, and in Rials a number that is not is refused."""

    default_error_messages = {
        "invalid": unit_text(_("Type the amount in %(unit)s, as a whole number in digits.")),
        "not_whole_toman": _("Type a whole number of Toman: the last digit in Rials is 0."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", MAX_RIALS)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int):
            return value
        try:
            rials = parse_money(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if rials > MAX_RIALS:
            raise ValidationError(_("This amount is too large."), code="amount_too_large")
        if rials % RIALS_PER_TOMAN:
            raise ValidationError(self.error_messages["not_whole_toman"], code="invalid")
        return rials

    def prepare_value(self, value: Any) -> Any:
        # A stored fee (Rials) is shown in the unit the person types in.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value // rials_per_unit())
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No min/max attributes: they would be in Rials, not in the unit typed.
        return {}


# --- Jalali dates (rule 11) ------------------------------------------------------------------


class JalaliDateInput(forms.TextInput):
    """A text box for a Jalali date: the number pad on a phone, written left to right."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {"inputmode": "numeric", "dir": "ltr", "placeholder": "۱۳۹۵/۰۴/۱۲", **(attrs or {})}
        )


class JalaliDateTimeInput(JalaliDateInput):
    """The same for a date and a Tehran time of day."""

    # Shown to the second: Django then drops the microseconds of the initial value, so an
    # unchanged value reads back equal and is not saved as a change.
    supports_microseconds = False

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"placeholder": "۱۴۰۳/۰۶/۰۱ ۱۶:۳۰", **(attrs or {})})


class JalaliDateField(forms.CharField):
    """A date typed in the Jalali calendar (۱۳۹۵/۰۴/۱۲, any digits); cleans to a Gregorian
    date. Shown the same way, with Latin digits."""

    widget = JalaliDateInput
    format_help = _("Year/month/day in the Persian calendar, e.g. 1395/04/12.")
    default_error_messages = {
        "invalid": _("Enter the date as year/month/day in the Persian calendar, e.g. 1395/04/12.")
    }

    def __init__(self, **kwargs: Any) -> None:
        # The admin passes the model field's help text, usually empty: the format is told then too.
        kwargs["help_text"] = kwargs.get("help_text") or self.format_help
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return jalali_input_text(value)
        return value

    def parse(self, text: str) -> dt.date:
        return parse_jalali_date(text)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return self.parse(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class JalaliDateTimeField(JalaliDateField):
    """A date and a time typed as ۱۴۰۳/۰۶/۰۱ ۱۶:۳۰ (Jalali, Tehran time, seconds optional);
    cleans to an aware datetime."""

    widget = JalaliDateTimeInput
    format_help = _(
        "Year/month/day in the Persian calendar and the time in Tehran, e.g. 1403/06/01 16:30."
    )
    default_error_messages = {
        "invalid": _(
            "Enter the date and time as year/month/day hours:minutes in the Persian calendar "
            "and Tehran time, e.g. 1403/06/01 16:30."
        )
    }

    def parse(self, text: str) -> dt.datetime:
        return parse_jalali_datetime(text)


# --- names and titles ------------------------------------------------------------------------

_NAME_MESSAGES = {
    "invisible": _("This name is empty: it has only spaces or invisible characters."),
    "bidi": _(
        "Remove the hidden text-direction controls (right-to-left or left-to-right marks) "
        "from this text."
    ),
    "characters": _("A name may have only Persian or Latin letters, spaces and the signs - ' ."),
    "letters": _("A name needs at least one letter."),
}
_TITLE_MESSAGES = {
    **_NAME_MESSAGES,
    "invisible": _("This text is empty: it has only spaces or invisible characters."),
    "characters": _("This text has control or invisible characters, which cannot be used."),
    "letters": _("Write at least one letter or digit."),
}


def validate_name(value: str, *, title: bool = False) -> str:
    """The one check of a name or title for forms and serializers alike: the tidied text
    (kargah.core.persian.clean_name), or a ValidationError with a Persian message."""
    try:
        return clean_name(value, title=title)
    except NameTextError as exc:
        if exc.reason == "marks":
            message = _("Too many vowel marks on one letter; at most %(count)s are allowed.") % {
                "count": localize_digits(MAX_MARKS_PER_LETTER)
            }
            raise ValidationError(message, code="marks") from None
        messages = _TITLE_MESSAGES if title else _NAME_MESSAGES
        raise ValidationError(messages[exc.reason], code=exc.reason) from None


class NameField(forms.CharField):
    """A person's name (or, with `title=True`, a title) as stored: tidied, and refused with
    a Persian message when invisible, carrying bidi controls, emoji or stacked marks."""

    def __init__(self, *, title: bool = False, **kwargs: Any) -> None:
        self.title = title
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if text in self.empty_values:
            return str(text)
        return validate_name(str(text), title=self.title)
