"""Forms of the catalog's staff pages. Every form accepts Persian, Arabic and Latin digits
(kargah.core.forms); dates are typed in the Jalali calendar and times are Tehran time.

The scoped reads at the top (a staff member's courses, terms, instructors, sessions and
holidays) belong in kargah/catalog/selectors.py; they live here until they move there."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Center, Province, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import (
    AgeGroup,
    CancelCause,
    Category,
    Course,
    Offering,
    OfferingStatus,
    Term,
)
from kargah.catalog.selectors import (
    course_list_for_staff,
    instructor_list_for_staff,
    term_list_for_staff,
)
from kargah.core.forms import (
    ConfirmWarningsMixin,
    Form,
    JalaliDateField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    MoneyField,
    NameField,
    rials_message,
    unit_text,
)
from kargah.core.persian import (
    TEHRAN,
    WEEKDAYS_EN,
    WEEKDAYS_FA,
    search_key,
    to_latin_digits,
)

# --- parsing helpers shared with the import ----------------------------------------------

_HH_MM = re.compile(r"^\s*([01]?\d|2[0-3])\s*:\s*([0-5]\d)\s*$")
_LIST_SEPARATORS = re.compile(r"[,،;؛]")


def parse_time_of_day(value: str) -> dt.time:
    """ "16:30" (any digits) → 16:30; raises ValueError otherwise."""
    match = _HH_MM.match(to_latin_digits(value))
    if not match:
        raise ValueError("not HH:MM")
    return dt.time(int(match.group(1)), int(match.group(2)))


def tehran_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TEHRAN)


def split_list(value: str) -> list[str]:
    """Items separated by commas (Latin or Persian) or semicolons; blanks dropped."""
    return [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]


_WEEKDAY_KEYS = {
    **{search_key(name): number for number, name in enumerate(WEEKDAYS_FA)},
    **{search_key(name): number for number, name in enumerate(WEEKDAYS_EN)},
}


def parse_weekdays(value: str) -> list[int]:
    """Persian (or English) weekday names or numbers 0-6 (Saturday 0), comma-separated."""
    days: set[int] = set()
    for item in split_list(value):
        key = search_key(item)
        if key.isdigit() and 0 <= int(key) <= 6:
            days.add(int(key))
        elif key in _WEEKDAY_KEYS:
            days.add(_WEEKDAY_KEYS[key])
        else:
            raise ValueError(item)
    if not days:
        raise ValueError("no weekday")
    return sorted(days)


def weekly_pattern(weekdays: list[int], start: dt.time) -> list[dict[str, Any]]:
    return [{"weekday": day, "start": start.strftime("%H:%M")} for day in sorted(set(weekdays))]


def weekday_names() -> tuple[str, ...]:
    language = translation.get_language() or "fa"
    return WEEKDAYS_FA if language.startswith("fa") else WEEKDAYS_EN


# --- fields ------------------------------------------------------------------------------


class TimeOfDayField(forms.CharField):
    """A time typed as hours:minutes (۱۶:۳۰), Tehran time; cleans to a time."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "placeholder": "16:30",
                    "maxlength": 8,
                    "dir": "ltr",
                    "autocomplete": "off",
                }
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        return value

    def to_python(self, value: Any) -> dt.time | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_time_of_day(text)
        except ValueError:
            raise ValidationError(_("Enter the time as hours:minutes, e.g. 16:30.")) from None


# The most seats (and so the highest quorum) of one offering.
MAX_CAPACITY = 10_000
# The highest fee of one offering: 100 million Toman, far above any children's workshop and
# far below the 64-bit column (25 nines typed here were an integer overflow, issue 8).
MAX_FEE_RIALS = 1_000_000_000


class RialField(MoneyField):
    """An offering's fee, typed in the site's money unit and stored as whole Rials."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_FEE_RIALS)
        kwargs.setdefault(
            "error_messages",
            {
                "max_value": rials_message(
                    _("The fee can be at most %(amount)s."), kwargs["max_value"]
                )
            },
        )
        super().__init__(**kwargs)


class CourseChoiceField(ModelChoiceField):
    show_center = False

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} — {obj.center}" if self.show_center else str(obj.title)


class TermChoiceField(ModelChoiceField):
    show_center = False

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.center}" if self.show_center else str(obj.name)


def _number_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})


def capacity_field(label: Any) -> forms.IntegerField:
    """A number of seats (a capacity, or a quorum), from one to MAX_CAPACITY."""
    return forms.IntegerField(
        label=label, min_value=1, max_value=MAX_CAPACITY, widget=_number_widget()
    )


# --- course --------------------------------------------------------------------------------


class CourseForm(Form):
    center = ModelChoiceField(label=_("Center"), queryset=Center.objects.none())
    title = NameField(title=True, label=_("Title"), max_length=200)
    category = ModelChoiceField(
        label=_("Category"), queryset=Category.objects.select_related("parent")
    )
    age_group = ModelChoiceField(label=_("Age group"), queryset=AgeGroup.objects.all())
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    syllabus = forms.CharField(
        label=_("Syllabus"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    session_count = forms.IntegerField(
        label=_("Number of sessions"), min_value=1, max_value=200, widget=_number_widget()
    )
    session_minutes = forms.IntegerField(
        label=_("Session length (minutes)"), min_value=15, max_value=600, widget=_number_widget()
    )
    certificate_attendance_percent = forms.IntegerField(
        label=_("Attendance for a certificate (%)"),
        min_value=0,
        max_value=100,
        initial=75,
        # Left empty: 75 % for a new course, unchanged for an edited one.
        required=False,
        widget=_number_widget(),
        help_text=_(
            "A learner who attends at least this share of the held sessions gets a "
            "certificate of completion when the class ends."
        ),
    )
    conditions_text = forms.CharField(
        label=_("Conditions of the course"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Families accept these conditions when they register."),
    )
    required_documents = forms.CharField(
        label=_("Required documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One document per line; applicants hand them in through the site."),
    )
    confirmation_waits_for_documents = forms.BooleanField(
        label=_("A place is confirmed only after the center approves the documents"),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        centers = center_list_for_staff(user=user)
        if user.is_administrator:
            self.fields["center"].queryset = centers  # type: ignore[attr-defined]
        else:
            del self.fields["center"]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        center = data.get("center") or self.user.center
        return {
            "center": center,
            "category": data["category"],
            "age_group": data["age_group"],
            "title": data["title"],
            "description": data["description"],
            "syllabus": data.get("syllabus", ""),
            "session_count": data["session_count"],
            "session_minutes": data["session_minutes"],
            "conditions_text": data.get("conditions_text", ""),
            "required_documents": (data.get("required_documents") or "").splitlines(),
            "confirmation_waits_for_documents": bool(data.get("confirmation_waits_for_documents")),
            **(
                {"certificate_attendance_percent": data["certificate_attendance_percent"]}
                if data.get("certificate_attendance_percent") is not None
                else {}
            ),
        }


def offering_initial(offering: Offering) -> dict[str, Any]:
    """What an offering's forms show first: its seats, instructors and registration window
    (as Tehran dates and times)."""
    initial: dict[str, Any] = {
        "capacity": offering.capacity,
        "quorum": offering.quorum,
        "instructors": list(offering.instructors.values_list("pk", flat=True)),
    }
    for which in ("opens", "closes"):
        moment = getattr(offering, f"registration_{which}_at")
        local = moment and moment.astimezone(TEHRAN)
        initial[f"registration_{which}_date"] = local and local.date()
        initial[f"registration_{which}_time"] = local and local.time()
    return initial


def clean_registration_window(form: forms.Form, data: dict[str, Any]) -> None:
    """Puts `registration_opens_at` and `registration_closes_at` (Tehran date and time, or
    None) into the cleaned data of a form with the four window fields."""
    for which in ("opens", "closes"):
        date_field, time_field = f"registration_{which}_date", f"registration_{which}_time"
        day, time = data.get(date_field), data.get(time_field)
        data[f"registration_{which}_at"] = None
        if form.has_error(date_field) or form.has_error(time_field):
            continue
        if (day is None) != (time is None):
            missing = time_field if time is None else date_field
            form.add_error(missing, _("Give both the date and the time."))
        elif day is not None and time is not None:
            data[f"registration_{which}_at"] = tehran_datetime(day, time)
    opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
    if opens and closes and opens >= closes:
        form.add_error("registration_closes_date", _("Registration must open before it closes."))


# --- offering ------------------------------------------------------------------------------


class OfferingForm(ConfirmWarningsMixin, Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    term = TermChoiceField(label=_("Term"), queryset=Term.objects.none())
    instructors = ModelMultipleChoiceField(
        label=_("Instructors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = capacity_field(_("Capacity"))
    quorum = capacity_field(_("Quorum (minimum enrolment)"))
    fee_rials = RialField(label=unit_text(_("Fee (%(unit)s)")), required=False)
    registration_opens_date = JalaliDateField(label=_("Registration opens on"), required=False)
    registration_opens_time = TimeOfDayField(label=_("at (Tehran time)"), required=False)
    registration_closes_date = JalaliDateField(label=_("Registration closes on"), required=False)
    registration_closes_time = TimeOfDayField(label=_("at (Tehran time)"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    start_time = TimeOfDayField(label=_("Start time (Tehran)"))
    first_date = JalaliDateField(label=_("Date of the first session"))

    # What a preview needs; the other fields may still be empty.
    PREVIEW_FIELDS = ("course", "weekdays", "start_time", "first_date")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        many_centers = center_list_for_staff(user=user).count() > 1
        course = self.fields["course"]
        assert isinstance(course, CourseChoiceField)
        course.queryset = course_list_for_staff(user=user).order_by("title")
        course.show_center = many_centers
        term = self.fields["term"]
        assert isinstance(term, TermChoiceField)
        term.queryset = term_list_for_staff(user=user).filter(closed_at__isnull=True)
        term.show_center = many_centers
        self.fields["instructors"].queryset = instructor_list_for_staff(user=user)  # type: ignore[attr-defined]
        weekdays = self.fields["weekdays"]
        assert isinstance(weekdays, forms.TypedMultipleChoiceField)
        weekdays.choices = list(enumerate(weekday_names()))
        for name in ("weekdays", "instructors"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        capacity, quorum = data.get("capacity"), data.get("quorum")
        if capacity is not None and quorum is not None and quorum > capacity:
            self.add_error("quorum", _("The quorum cannot be more than the capacity."))
        clean_registration_window(self, data)
        return data

    def weekly_pattern(self) -> list[dict[str, Any]]:
        return weekly_pattern(self.cleaned_data["weekdays"], self.cleaned_data["start_time"])

    def preview_ready(self) -> bool:
        """Whether the fields a preview needs are valid (others may have errors)."""
        self.is_valid()
        return all(
            name in self.cleaned_data and not self.has_error(name) for name in self.PREVIEW_FIELDS
        )

    def keep_preview_errors(self) -> None:
        """Drops the errors of fields a preview does not need (they are not filled yet)."""
        for name in list(self.errors):
            if name not in self.PREVIEW_FIELDS:
                del self.errors[name]

    def unsaved_offering(self) -> Offering:
        """An offering that is never saved, for a preview of its sessions."""
        course: Course = self.cleaned_data["course"]
        return Offering(
            course=course,
            center=course.center,
            weekly_pattern=self.weekly_pattern(),
            first_date=self.cleaned_data["first_date"],
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "course": data["course"],
            "term": data["term"],
            "instructors": list(data.get("instructors") or []),
            "capacity": data["capacity"],
            "quorum": data["quorum"],
            "fee_rials": data.get("fee_rials"),
            "registration_opens_at": data.get("registration_opens_at"),
            "registration_closes_at": data.get("registration_closes_at"),
            "weekly_pattern": self.weekly_pattern(),
            "first_date": data["first_date"],
        }


class OfferingChangeForm(Form):
    """What the center may change of a published offering (services_published): capacity,
    quorum and the window until registration closes, the instructors while it is taught.
    The fee is not here: it never changes once published."""

    capacity = capacity_field(_("Capacity"))
    quorum = capacity_field(_("Quorum (minimum enrolment)"))
    registration_opens_date = JalaliDateField(label=_("Registration opens on"))
    registration_opens_time = TimeOfDayField(label=_("at (Tehran time)"))
    registration_closes_date = JalaliDateField(label=_("Registration closes on"))
    registration_closes_time = TimeOfDayField(label=_("at (Tehran time)"))
    instructors = ModelMultipleChoiceField(
        label=_("Instructors"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = NameField(
        title=True,
        label=_("Reason (sent to the families)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    WINDOW_FIELDS = (
        "capacity", "quorum", "registration_opens_date", "registration_opens_time",
        "registration_closes_date", "registration_closes_time",
    )  # fmt: skip

    def __init__(self, *args: Any, user: User, offering: Offering, **kwargs: Any) -> None:
        kwargs.setdefault("initial", offering_initial(offering))
        super().__init__(*args, **kwargs)
        self.offering = offering
        self.fields["instructors"].queryset = instructor_list_for_staff(user=user).filter(  # type: ignore[attr-defined]
            center_id=offering.center_id
        )
        self.fields["instructors"].widget.attrs["class"] = "form-check-input"
        self.seats_and_window = offering.status == OfferingStatus.PUBLISHED
        if not self.seats_and_window:  # registration has closed: only who teaches changes
            for name in self.WINDOW_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.seats_and_window:
            return data
        capacity, quorum = data.get("capacity"), data.get("quorum")
        if capacity is not None and quorum is not None and quorum > capacity:
            self.add_error("quorum", _("The quorum cannot be more than the capacity."))
        clean_registration_window(self, data)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "instructors": list(data["instructors"]),
            "reason": data["reason"],
        }
        if self.seats_and_window:
            kwargs.update(
                capacity=data["capacity"],
                quorum=data["quorum"],
                registration_opens_at=data["registration_opens_at"],
                registration_closes_at=data["registration_closes_at"],
            )
        return kwargs


# --- sessions and holidays ---------------------------------------------------------------


class RescheduleForm(ConfirmWarningsMixin, Form):
    date = JalaliDateField(label=_("New date"))
    time = TimeOfDayField(label=_("New start time (Tehran)"))
    # Sent to the families by SMS: tidied, and refused with bidi controls (kargah.core.forms).
    reason = NameField(
        title=True,
        label=_("Reason (sent to the families)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("time") and self.starts_at() <= timezone.now():
            raise ValidationError(_("Choose a time in the future."))
        return data

    def starts_at(self) -> dt.datetime:
        return tehran_datetime(self.cleaned_data["date"], self.cleaned_data["time"])


class SessionCancelForm(Form):
    """Cancelling a session by the center (P3): why, and a reason kept in the record."""

    cause = forms.ChoiceField(
        label=_("Cause"),
        # The job records an instructor's absence; staff choose among the other causes.
        choices=[(c.value, c.label) for c in CancelCause if c != CancelCause.INSTRUCTOR_ABSENT],
    )
    reason = NameField(
        title=True,
        label=_("Reason (kept in the record)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class MakeupSlotForm(Form):
    """Another slot for a make-up than the proposed one (rule 4 is checked by the service)."""

    date = JalaliDateField(label=_("Date of the make-up"))
    time = TimeOfDayField(label=_("Start time (Tehran)"))

    def starts_at(self) -> dt.datetime:
        return tehran_datetime(self.cleaned_data["date"], self.cleaned_data["time"])


class HolidayForm(Form):
    date = JalaliDateField(label=_("Date"))
    name = NameField(title=True, label=_("Name"), max_length=200)
    center = ModelChoiceField(
        label=_("Closure of the center"),
        queryset=Center.objects.none(),
        required=False,
        help_text=_("Leave empty for an official holiday."),
    )
    province = ModelChoiceField(
        label=_("Only in the province"),
        queryset=Province.objects.all(),
        required=False,
        help_text=_("For an official holiday of one province; empty for a national holiday."),
    )
    reason = NameField(
        title=True,
        label=_("Reason for the families of moved sessions"),
        max_length=300,
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_administrator:
            self.fields["center"].queryset = center_list_for_staff(user=user)  # type: ignore[attr-defined]
        else:
            del self.fields["center"]
            del self.fields["province"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("center") and data.get("province"):
            self.add_error("province", _("A center's closure has no province of its own."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        center = data.get("center") if self.user.is_administrator else self.user.center
        return {
            "date": data["date"],
            "name": data["name"],
            "center": center,
            "province": data.get("province"),
            "reason": data.get("reason", ""),
        }


class HolidayMoveForm(Form):
    date = JalaliDateField(label=_("New date"))


class ImportForm(Form):
    file = forms.FileField(
        label=_("Spreadsheet (XLSX or CSV)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
