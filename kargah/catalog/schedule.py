"""Session planning from a weekly pattern: the promised number of sessions, none on a
holiday or closure (P1, P4), in Tehran time. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kargah.core.errors import DomainError
from kargah.core.persian import TEHRAN, to_persian_digits

# How far ahead a plan may reach before we call the pattern impossible (a year of holidays
# cannot swallow every slot, so this only stops a pattern with no weekdays at all).
MAX_PLAN_DAYS = 730
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def iranian_weekday(day: dt.date) -> int:
    """Saturday 0 … Friday 6, as the Iranian week counts (Python counts Monday 0)."""
    return (day.weekday() + 2) % 7


@dataclass(frozen=True, order=True)
class Slot:
    weekday: int
    start: dt.time


def parse_pattern(pattern: object) -> list[Slot]:
    """Validates a weekly pattern ([{"weekday": 0-6, "start": "HH:MM"}, …]) into slots."""
    if not isinstance(pattern, list) or not pattern:
        raise DomainError(_("Choose at least one weekday and a start time."), code="pattern")
    slots: set[Slot] = set()
    for entry in pattern:
        if not isinstance(entry, Mapping):
            raise DomainError(_("The weekly pattern is not valid."), code="pattern")
        weekday, start = entry.get("weekday"), str(entry.get("start", ""))
        match = _TIME.match(start.strip())
        if not isinstance(weekday, int) or not 0 <= weekday <= 6 or not match:
            raise DomainError(_("The weekly pattern is not valid."), code="pattern")
        slots.add(Slot(weekday, dt.time(int(match.group(1)), int(match.group(2)))))
    return sorted(slots)


def pattern_slots_from(first_date: dt.date, slots: list[Slot]) -> Iterator[tuple[dt.date, dt.time]]:
    """Every (date, start time) the pattern offers from first_date on, in time order."""
    by_weekday: dict[int, list[dt.time]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot.start)
    for offset in range(MAX_PLAN_DAYS):
        day = first_date + dt.timedelta(days=offset)
        for start in sorted(by_weekday.get(iranian_weekday(day), [])):
            yield day, start


def skipped_days(
    *,
    pattern: object,
    first: dt.date,
    last: dt.date,
    closed: Mapping[dt.date, str],
    held_on: Set[dt.date],
) -> list[tuple[dt.date, str]]:
    """The pattern's days in [first, last] with no session because they are closed (P4),
    each with the holiday's or closure's name: the gaps a family sees in a schedule."""
    try:
        slots = parse_pattern(pattern)
    except DomainError:
        return []
    skipped: list[tuple[dt.date, str]] = []
    for day, _start in pattern_slots_from(first, slots):
        if day > last:
            break
        if day in closed and day not in held_on and (not skipped or skipped[-1][0] != day):
            skipped.append((day, closed[day]))
    return skipped


def tehran_datetime(day: dt.date, start: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, start, tzinfo=TEHRAN)


@dataclass
class Plan:
    sessions: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    # (date, holiday name) for every pattern day that was skipped
    skipped: list[tuple[dt.date, str]] = field(default_factory=list)


def plan_sessions(
    *,
    pattern: object,
    first_date: dt.date,
    count: int,
    minutes: int,
    closed: Mapping[dt.date, str],
) -> Plan:
    """Exactly `count` sessions on the pattern's slots from `first_date`, skipping closed
    days (holidays and closures, with their names), each `minutes` long."""
    if count < 1:
        raise DomainError(_("A course has at least one session."), code="count")
    slots = parse_pattern(pattern)
    plan = Plan()
    length = dt.timedelta(minutes=minutes)
    for day, start in pattern_slots_from(first_date, slots):
        if day in closed:
            if not plan.skipped or plan.skipped[-1][0] != day:
                plan.skipped.append((day, closed[day]))
            continue
        begins = tehran_datetime(day, start)
        plan.sessions.append((begins, begins + length))
        if len(plan.sessions) == count:
            return plan
    raise DomainError(
        _("The weekly pattern cannot hold %(count)s sessions within two years.")
        % {"count": to_persian_digits(count)},
        code="pattern",
    )
