"""Forms of the guardian's enrollment pages: register a child (R2: the conditions are
accepted), join a waiting list, switch to another class. Digits of any script are accepted
(kargah.core.forms)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner
from kargah.catalog.models import Offering
from kargah.core.forms import Form, ModelChoiceField, NameField


class LearnerChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class _LearnerForm(Form):
    """A child of the guardian's own family (only those are offered, and accepted)."""

    learner = LearnerChoiceField(
        label=_("Child"),
        queryset=Learner.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of your children.")},
    )

    def __init__(self, *args: Any, learners: Iterable[Learner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["learner"]
        assert isinstance(field, forms.ModelChoiceField)
        ids = [learner.pk for learner in learners]
        field.queryset = Learner.objects.filter(pk__in=ids).order_by("first_name", "id")
        # A radio list gets no form-select class (the base form gives every Select one).
        field.widget.attrs["class"] = "form-check-input"
        if len(ids) == 1 and not self.is_bound:
            self.initial.setdefault("learner", ids[0])


class RegisterForm(_LearnerForm):
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the conditions"),
        required=True,
        error_messages={"required": _("To register, read and accept the conditions.")},
    )
    # The version of the conditions the page showed; if it changed meanwhile the guardian
    # must read the new one first (R2: what was accepted is what was shown).
    # At most what the version's column holds (a larger number is a form error, not a query
    # the database refuses).
    conditions_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32_767)


class WaitingListForm(_LearnerForm):
    pass


class OfferingChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.course.title)


class SwitchForm(Form):
    offering = OfferingChoiceField(
        label=_("Move to this class"),
        queryset=Offering.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the classes in the list.")},
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the conditions of the new class"),
        required=True,
        error_messages={"required": _("To switch, read and accept the conditions.")},
    )

    def __init__(self, *args: Any, offerings: Iterable[Offering], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["offering"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Offering.objects.filter(
            pk__in=[offering.pk for offering in offerings]
        ).select_related("course")


class CenterCancelForm(Form):
    """The center cancels a class or one place: a reason kept in the record and told to
    the families, and a confirmation that the money goes back (a second, deliberate step)."""

    reason = NameField(
        title=True,
        label=_("Reason (told to the families and kept in the record)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm: the places are cancelled and what was paid goes to the wallets."),
        required=True,
    )
