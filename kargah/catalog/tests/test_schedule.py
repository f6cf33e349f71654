"""Session planning without a database: the promised number of sessions at exact Tehran
times (P1), none on a closed day (P4)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import jdatetime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kargah.catalog import schedule
from kargah.catalog.schedule import Slot, iranian_weekday, parse_pattern, plan_sessions
from kargah.core.errors import DomainError
from kargah.core.persian import TEHRAN, format_jalali_date

UTC = dt.UTC


def plan(pattern, first_date, count=4, minutes=60, closed=None):
    return plan_sessions(
        pattern=pattern, first_date=first_date, count=count, minutes=minutes, closed=closed or {}
    )


# --- the Iranian week and the pattern ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 3, 16), 0),  # Saturday
        (dt.date(2024, 3, 17), 1),
        (dt.date(2024, 3, 20), 4),  # Wednesday, 1 Farvardin 1403
        (dt.date(2024, 3, 22), 6),  # Friday
    ],
)
def test_iranian_weekday_counts_from_saturday(day, expected):
    assert iranian_weekday(day) == expected
    assert jdatetime.date.fromgregorian(date=day).weekday() == expected


def test_parse_pattern_sorts_and_merges_duplicates():
    slots = parse_pattern(
        [
            {"weekday": 2, "start": "17:30"},
            {"weekday": 0, "start": "9:05"},
            {"weekday": 2, "start": "17:30"},
        ]
    )
    assert slots == [Slot(0, dt.time(9, 5)), Slot(2, dt.time(17, 30))]


@pytest.mark.parametrize(
    "pattern",
    [
        [],
        None,
        "sat 16:00",
        [{"weekday": 7, "start": "16:00"}],
        [{"weekday": -1, "start": "16:00"}],
        [{"weekday": "0", "start": "16:00"}],
        [{"weekday": 0, "start": "24:00"}],
        [{"weekday": 0, "start": "16:60"}],
        [{"weekday": 0}],
        ["16:00"],
    ],
)
def test_a_bad_pattern_is_refused(pattern):
    with pytest.raises(DomainError) as caught:
        parse_pattern(pattern)
    assert caught.value.code == "pattern"


def test_a_course_has_at_least_one_session():
    with pytest.raises(DomainError) as caught:
        plan([{"weekday": 0, "start": "16:00"}], dt.date(2024, 3, 16), count=0)
    assert caught.value.code == "count"


def test_a_pattern_that_cannot_hold_the_sessions_is_refused():
    start = dt.date(2024, 3, 16)
    closed = {start + dt.timedelta(days=i): "بسته" for i in range(schedule.MAX_PLAN_DAYS)}
    with pytest.raises(DomainError) as caught:
        plan([{"weekday": 0, "start": "16:00"}], start, count=1, closed=closed)
    assert caught.value.code == "pattern"


# --- times: Asia/Tehran, no daylight saving since 2022 ------------------------------------


@pytest.mark.parametrize(
    "first_date",
    [
        dt.date(2024, 1, 6),  # Dey 1402, winter
        dt.date(2024, 7, 6),  # Tir 1403, summer: Iran has kept +03:30 all year since 2022
        dt.date(2025, 6, 21),  # Tir 1404
    ],
)
def test_a_16_00_slot_is_12_30_utc_all_year(first_date):
    """P1: the exact time announced is Tehran time; 16:00 Tehran is 12:30 UTC."""
    result = plan([{"weekday": 0, "start": "16:00"}], first_date, count=2, minutes=90)
    starts, ends = result.sessions[0]
    assert starts.astimezone(UTC) == dt.datetime.combine(first_date, dt.time(12, 30), UTC)
    assert ends.astimezone(UTC) == dt.datetime.combine(first_date, dt.time(14, 0), UTC)
    assert starts.utcoffset() == dt.timedelta(hours=3, minutes=30)


def test_the_time_zone_data_knows_iran_dropped_daylight_saving():
    """The test above means something: the same zone still had +04:30 in summer 2021."""
    summer_2021 = dt.datetime(2021, 7, 1, 16, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    assert summer_2021.utcoffset() == dt.timedelta(hours=4, minutes=30)
    assert TEHRAN.key == "Asia/Tehran"


# --- what is skipped -----------------------------------------------------------------------


def test_closed_days_are_skipped_and_the_count_kept():
    """P4: a closed pattern day is skipped, named in the plan, and the sessions still
    number what the course promises (P1)."""
    saturday = dt.date(2024, 3, 16)
    closed = {dt.date(2024, 3, 23): "نوروز", dt.date(2024, 3, 30): "بسته"}
    result = plan([{"weekday": 0, "start": "16:00"}], saturday, count=3, closed=closed)
    assert [s.date() for s, _e in result.sessions] == [
        dt.date(2024, 3, 16),
        dt.date(2024, 4, 6),
        dt.date(2024, 4, 13),
    ]
    assert result.skipped == [(dt.date(2024, 3, 23), "نوروز"), (dt.date(2024, 3, 30), "بسته")]


def test_a_closed_day_with_two_slots_is_named_once():
    saturday = dt.date(2024, 3, 23)
    pattern = [{"weekday": 0, "start": "10:00"}, {"weekday": 0, "start": "16:00"}]
    result = plan(pattern, saturday, count=2, closed={saturday: "نوروز"})
    assert result.skipped == [(saturday, "نوروز")]
    assert [s for s, _e in result.sessions] == [
        dt.datetime(2024, 3, 30, 10, 0, tzinfo=TEHRAN),
        dt.datetime(2024, 3, 30, 16, 0, tzinfo=TEHRAN),
    ]


def test_closed_days_off_the_pattern_are_not_reported():
    result = plan(
        [{"weekday": 0, "start": "16:00"}],
        dt.date(2024, 3, 16),
        count=2,
        closed={dt.date(2024, 3, 20): "نوروز"},  # a Wednesday
    )
    assert result.skipped == []


def test_esfand_30_of_the_leap_year_1403_is_a_valid_session_day():
    """1403 is a leap year: 1403/12/30 (2025-03-20) exists and, when nothing closes it,
    carries a session with the right Jalali date (P1)."""
    result = plan([{"weekday": 5, "start": "10:00"}], dt.date(2025, 3, 14), count=2)
    days = [s.date() for s, _e in result.sessions]
    assert days == [dt.date(2025, 3, 20), dt.date(2025, 3, 27)]
    jalali = jdatetime.date.fromgregorian(date=days[0])
    assert (jalali.year, jalali.month, jalali.day, jalali.isleap()) == (1403, 12, 30, True)
    assert format_jalali_date(days[0]) == "۱۴۰۳/۱۲/۳۰"
    assert format_jalali_date(days[1]) == "۱۴۰۴/۰۱/۰۷"


# --- property: every plan keeps the promise -------------------------------------------------

FIRST_1402 = jdatetime.date(1402, 1, 1).togregorian()
LAST_1405 = jdatetime.date(1406, 1, 1).togregorian() - dt.timedelta(days=1)

slots_strategy = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 23),
        st.sampled_from([0, 15, 30, 45]),
    ),
    min_size=1,
    max_size=3,
).filter(lambda entries: len({e[0] for e in entries}) == len(entries))


@settings(max_examples=200, deadline=None)
@given(
    entries=slots_strategy,
    first_date=st.dates(min_value=FIRST_1402, max_value=LAST_1405),
    count=st.integers(1, 30),
    minutes=st.integers(15, 180),
    closed_offsets=st.sets(st.integers(0, 250), max_size=80),
)
def test_plan_property(entries, first_date, count, minutes, closed_offsets):
    """P1 and P4 for any pattern: exactly `count` sessions, strictly increasing, none on
    a closed day, each on a pattern weekday at a pattern time, and no open pattern slot
    between first_date and the last session left unused."""
    pattern = [{"weekday": w, "start": f"{h:02d}:{m:02d}"} for w, h, m in entries]
    wanted = {(w, dt.time(h, m)) for w, h, m in entries}
    closed = {first_date + dt.timedelta(days=o): f"تعطیل {o}" for o in closed_offsets}

    result = plan(pattern, first_date, count=count, minutes=minutes, closed=closed)

    starts = [start for start, _end in result.sessions]
    assert len(starts) == count
    assert all(a < b for a, b in itertools.pairwise(starts))
    for start, end in result.sessions:
        local = start.astimezone(TEHRAN)
        assert local.date() >= first_date
        assert local.date() not in closed
        assert (iranian_weekday(local.date()), local.time()) in wanted
        assert end - start == dt.timedelta(minutes=minutes)
        assert start.utcoffset() == dt.timedelta(hours=3, minutes=30)

    # No open slot is passed over: every pattern slot from first_date up to the last
    # session is either used or on a closed day.
    used = {start.astimezone(TEHRAN).replace(tzinfo=None) for start in starts}
    last = max(used)
    day = first_date
    skipped_days = []
    while day <= last.date():
        times = sorted(t for w, t in wanted if w == iranian_weekday(day))
        if times and day in closed:
            skipped_days.append((day, closed[day]))
        for start_time in times:
            moment = dt.datetime.combine(day, start_time)
            if moment > last:
                break
            assert moment in used or day in closed, f"{moment} was left unused"
        day += dt.timedelta(days=1)
    assert result.skipped == skipped_days
