"""The device-check gate on the way into a class (issue 10, item 5)."""

from __future__ import annotations

from kargah.accounts.models import Learner


def device_check_gate(*, learner: Learner, next_url: str) -> str | None:
    """The URL to send the learner to before the class (the device check, missing or older
    than 30 days, with a way to go on to `next_url`), or None to go straight in.

    None for now: the device check is built beside this app (kargah/devicecheck), and this
    body is replaced at the merge with a call to its `device_check_current` selector."""
    return None
