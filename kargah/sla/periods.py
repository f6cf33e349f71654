"""Measurement periods (Jalali months, Saturday-to-Friday weeks), agreement terms and Iranian
working days, all in Tehran time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import jdatetime

from kargah.catalog.models import Holiday, HolidaySource
from kargah.core.persian import TEHRAN, to_jalali, to_tehran

FRIDAY = 4  # date.weekday(): Monday 0 … Friday 4


def at_midnight(day: dt.date) -> dt.datetime:
    """The start of a Tehran day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=TEHRAN)


def period_containing(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the Jalali month ("month") or the Iranian week ("week") of `day`."""
    if period == "week":
        start = day - dt.timedelta(days=(day.weekday() - 5) % 7)  # back to Saturday
        return start, start + dt.timedelta(days=7)
    j = to_jalali(day)
    first = jdatetime.date(j.year, j.month, 1)
    following = jdatetime.date(j.year + (j.month == 12), j.month % 12 + 1, 1)
    return first.togregorian(), following.togregorian()


def periods_between(
    period: str, first_day: dt.date, last_day: dt.date
) -> Iterator[tuple[dt.date, dt.date]]:
    """Each period that contains a day of [first_day, last_day], in order."""
    start, end = period_containing(period, first_day)
    while start <= last_day:
        yield start, end
        start, end = period_containing(period, end)


def latest_term_end(valid_from: dt.date) -> dt.date:
    """The last day a version starting on `valid_from` may run: one Jalali year, less a
    day (1402/01/01 → 1402/12/29; the seed's «حداکثر تا یکسال»)."""
    j = to_jalali(valid_from)
    try:
        next_year = jdatetime.date(j.year + 1, j.month, j.day)
    except ValueError:  # 30 Esfand of a leap year: the next year has no such day
        next_year = jdatetime.date(j.year + 1, j.month, j.day - 1) + jdatetime.timedelta(days=1)
    return next_year.togregorian() - dt.timedelta(days=1)


def official_holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    """National official holidays in [start, end] (the catalog's holiday calendar)."""
    return set(
        Holiday.objects.filter(
            source=HolidaySource.OFFICIAL,
            province__isnull=True,
            is_removed=False,
            date__gte=start,
            date__lte=end,
        ).values_list("date", flat=True)
    )


def working_days_between(
    start: dt.datetime, end: dt.datetime, *, holidays: set[dt.date] | None = None
) -> int:
    """How many working days passed from `start` to `end`: the Tehran days after start's day
    up to and including end's day, without Fridays and official holidays (rule 11). A
    request approved on Wednesday and paid on Saturday took 2 (Thursday and Saturday)."""
    first, last = to_tehran(start).date(), to_tehran(end).date()
    if last <= first:
        return 0
    if holidays is None:
        holidays = official_holidays(first, last)
    count = 0
    day = first + dt.timedelta(days=1)
    while day <= last:
        if day.weekday() != FRIDAY and day not in holidays:
            count += 1
        day += dt.timedelta(days=1)
    return count


def add_working_days(start: dt.datetime, days: int, *, holidays: set[dt.date]) -> dt.date:
    """The Tehran day on which `days` working days after `start` have passed."""
    day = to_tehran(start).date()
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() != FRIDAY and day not in holidays:
            left -= 1
    return day
