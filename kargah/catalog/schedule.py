"""Session planning from a weekly pattern: the promised number of sessions, none on a
holiday or closure (P1, P4), in Tehran time. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence, Set
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


# --- make-ups (P3, rule 4) -------------------------------------------------------------------

Interval = tuple[dt.datetime, dt.datetime]
FRIDAY = 6


@dataclass
class MakeupChoice:
    """The make-up slot chosen, and why: what was passed over on the way to it."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    learner_clashes: int  # confirmed learners with another class at that time
    skipped: list[tuple[dt.date, str]] = field(default_factory=list)  # closed days (P4)
    instructor_busy: list[dt.datetime] = field(default_factory=list)  # earlier slots taken
    # Earlier free slots passed over because more learners have another class then.
    learners_busy: list[tuple[dt.datetime, int]] = field(default_factory=list)

    def why(self) -> dict[str, object]:
        """JSON-safe, for the proposal row and the audit log."""
        return {
            "skipped": [[day.isoformat(), name] for day, name in self.skipped],
            "instructor_busy": [to_iso(start) for start in self.instructor_busy],
            "learners_busy": [[to_iso(start), count] for start, count in self.learners_busy],
        }


def to_iso(value: dt.datetime) -> str:
    return value.astimezone(TEHRAN).isoformat()


def _overlaps(start: dt.datetime, end: dt.datetime, busy: Sequence[Interval]) -> bool:
    return any(other_start < end and start < other_end for other_start, other_end in busy)


def choose_makeup_slot(
    *,
    first_day: dt.date,
    days: int,
    times: Sequence[dt.time],
    weekdays: Set[int],
    minutes: int,
    closed: Mapping[dt.date, str],
    offering_busy: Sequence[Interval],
    instructor_busy: Sequence[Interval],
    learner_busy: Mapping[int, Sequence[Interval]],
) -> MakeupChoice | None:
    """The make-up slot for a cancelled session (rule 4): among the offering's start `times`
    on each of `weekdays` from `first_day` for `days` days, leave out closed days (holidays
    and closures), times the offering already meets, and times any of its instructors
    teaches another class; of what is left, take the slot that clashes with the fewest
    learners' other classes (`learner_busy`: each learner's other sessions), the earliest
    on a tie. None when the window holds no such slot."""
    length = dt.timedelta(minutes=minutes)
    skipped: list[tuple[dt.date, str]] = []
    taken: list[dt.datetime] = []
    free: list[tuple[dt.datetime, int]] = []  # (start, learners clashing), in time order
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if iranian_weekday(day) not in weekdays:
            continue
        if day in closed:
            skipped.append((day, closed[day]))
            continue
        for start in sorted(set(times)):
            begins = tehran_datetime(day, start)
            ends = begins + length
            if _overlaps(begins, ends, offering_busy):
                continue
            if _overlaps(begins, ends, instructor_busy):
                taken.append(begins)
                continue
            clashes = sum(1 for busy in learner_busy.values() if _overlaps(begins, ends, busy))
            free.append((begins, clashes))
        if any(count == 0 for _start, count in free):
            break  # nothing later can beat a slot that clashes with nobody
    if not free:
        return None
    begins, clashes = min(free, key=lambda slot: (slot[1], slot[0]))
    return MakeupChoice(
        starts_at=begins,
        ends_at=begins + length,
        learner_clashes=clashes,
        skipped=[(day, name) for day, name in skipped if day < begins.date()],
        instructor_busy=[start for start in taken if start < begins],
        learners_busy=[(start, count) for start, count in free if start < begins],
    )
