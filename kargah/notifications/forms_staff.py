"""The filter of the staff's outbox desk: state, channel, kind and a Jalali period."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form, JalaliDateField
from kargah.notifications.models import Channel, OutboxStatus
from kargah.notifications.selectors import OutboxFilters, kind_label


class OutboxFilterForm(Form):
    """Every field may stay empty (any); the period is of the day a message was queued (its
    spend: of the day it was sent), in Tehran."""

    status = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *OutboxStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        # In-app messages go straight to the inbox, never through the outbox.
        choices=[("", _("Any channel")), (Channel.SMS, Channel.SMS.label),
                 (Channel.EMAIL, Channel.EMAIL.label)],
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    start = JalaliDateField(label=_("From"), required=False)
    end = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any kind")), *((kind, kind_label(kind)) for kind in kinds)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("The end of the period comes before its start."), code="period")
        return data

    def filters(self) -> OutboxFilters:
        """What was chosen; a field that did not validate counts as not chosen (its error
        is shown), so a mistyped date never turns into a 500 or a blank page."""
        if not self.is_bound:
            return OutboxFilters(start=self.initial.get("start"))
        self.is_valid()
        data = self.cleaned_data
        return OutboxFilters(
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            kind=data.get("kind") or "",
            start=data.get("start"),
            end=data.get("end"),
        )
