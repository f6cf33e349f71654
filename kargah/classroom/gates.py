"""The device-check gate on the way into a class (issue 10, item 5; R5, R8–R10)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

# The join link's parameter that says "go on without the check": the device check page's
# "go on anyway" link carries it, so the gate does not send the child back in a loop.
SKIP_PARAMETER = "device_check"
SKIP_VALUE = "skip"


def device_check_gate(
    *, learner_id: int, checked: bool, next_url: str, skipped: bool = False
) -> str | None:
    """The URL to send the learner to before the class when `checked` is false (their device
    check is missing or older than KARGAH_DEVICE_CHECK_VALID_DAYS: the join reads it with the
    session, selectors.join_read), with a way to go on to `next_url`; None to go straight in
    (a current check, or the family chose to go on without one)."""
    if checked or skipped:
        return None
    separator = "&" if "?" in next_url else "?"
    go_on = f"{next_url}{separator}{urlencode({SKIP_PARAMETER: SKIP_VALUE})}"
    return f"{reverse('devicecheck:check')}?{urlencode({'learner': learner_id, 'next': go_on})}"
