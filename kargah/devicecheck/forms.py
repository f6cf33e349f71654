"""The device check page's form: what the page measured and what the learner confirmed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kargah.core.forms import Form

# A round trip over a minute or a download over 10 Gbps is no measurement of a home line.
MAX_RTT_MS = 60_000
MAX_DOWNLOAD_KBPS = 10_000_000


class DeviceCheckForm(Form):
    # Filled by static/js/devicecheck.js ("true"/"false") once the camera shows a picture and
    # the microphone's level moves.
    camera_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)
    microphone_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)
    speaker_ok = forms.BooleanField(required=False, label=_("I heard the test sound"))
    rtt_ms = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_RTT_MS, widget=forms.HiddenInput
    )
    download_kbps = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_DOWNLOAD_KBPS, widget=forms.HiddenInput
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
