"""Forms of the instructor's desk: one learner's attendance, a conduct note, a problem."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form, NameField
from kargah.teaching.models import AttendanceStatus


class AttendanceMarkForm(Form):
    learner = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Attendance"), choices=AttendanceStatus.choices, widget=forms.RadioSelect
    )


class ConductNoteForm(Form):
    learner = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    # The family reads it: tidied, and refused with bidi controls (kargah.core.forms).
    text = NameField(
        title=True,
        label=_("Note on conduct"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProblemReportForm(Form):
    reason = NameField(
        title=True,
        label=_("What is the problem?"),
        help_text=_("The center cancels the session and arranges a make-up; families are told."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
