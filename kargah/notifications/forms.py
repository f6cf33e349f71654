"""Forms of the notifications app: the person's channels per kind of message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form
from kargah.notifications.models import Channel
from kargah.notifications.selectors_inbox import GroupChoice, kinds_by_group

CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.INBOX)


class NotificationPreferencesForm(Form):
    """One SMS / e-mail / inbox box per group of kinds; the SMS box of a group that always
    goes by SMS is shown ticked and disabled (a disabled box sends nothing, so its value
    comes from the initial data, never from what was posted)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        help_text=_("Needed only to receive messages by e-mail."),
    )
    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, groups: list[GroupChoice] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        by_key = {row.key: row for row in groups or []}
        for key, kinds in kinds_by_group().items():
            locked = any(kind.always_sms for kind in kinds)
            row = by_key.get(key)
            for channel in CHANNELS:
                name = f"{key}_{channel}"
                field = forms.BooleanField(label=Channel(channel).label, required=False)
                if row is not None:
                    field.initial = getattr(row, str(channel))
                if channel == Channel.SMS and locked:
                    field.disabled = True
                    field.initial = True
                field.widget.attrs["class"] = "form-check-input"
                self.fields[name] = field

    def channels(self) -> dict[str, set[str]]:
        """The chosen channels per group, from the cleaned data."""
        return {
            key: {str(c) for c in CHANNELS if self.cleaned_data.get(f"{key}_{c}")}
            for key in kinds_by_group()
        }
