"""Quiet hours: no SMS to families between 22:00 and 08:00 Tehran time (issue 12), except the
messages that must not wait (sign-in codes, same-day cancellations: `quiet_exempt`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

TEHRAN = ZoneInfo("Asia/Tehran")


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """When the quiet hours around `now` end (the next morning's start, Tehran time), or None
    when `now` is outside them. The start is quiet (22:00 waits), the end is not (08:00 sends)."""
    start = dt.time(int(settings.KARGAH_QUIET_HOURS_START))
    end = dt.time(int(settings.KARGAH_QUIET_HOURS_END))
    local = now.astimezone(TEHRAN)
    clock = local.time()
    if start == end:
        return None  # no quiet hours
    if start > end:  # the quiet hours cross midnight (22 → 08)
        if clock >= start:
            day = local.date() + dt.timedelta(days=1)
        elif clock < end:
            day = local.date()
        else:
            return None
    elif start <= clock < end:
        day = local.date()
    else:
        return None
    return dt.datetime.combine(day, end, tzinfo=TEHRAN)
