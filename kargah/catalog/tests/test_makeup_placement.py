"""Make-up placement as a pure function (P3, DOMAIN rule 4): the first slot that is no
holiday, keeps the instructors free, and clashes with as few learners' other classes as
possible, the earliest on a tie."""

from __future__ import annotations

import datetime as dt

from kargah.catalog.schedule import Interval, choose_makeup_slot
from kargah.core.persian import TEHRAN

SUNDAY = dt.date(2024, 5, 5)  # the day after a cancelled Saturday session
FOUR_PM = dt.time(16, 0)
WORKING_DAYS = {0, 1, 2, 3, 4, 5}  # Saturday … Thursday


def at(day: dt.date, hour: int = 16) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TEHRAN)


def hour_at(day: dt.date, hour: int = 16) -> Interval:
    return (at(day, hour), at(day, hour) + dt.timedelta(hours=1))


def day(n: int) -> dt.date:
    return SUNDAY + dt.timedelta(days=n)


def choose(**overrides: object):
    arguments: dict[str, object] = {
        "first_day": SUNDAY,
        "days": 14,
        "times": [FOUR_PM],
        "weekdays": WORKING_DAYS,
        "minutes": 60,
        "closed": {},
        "offering_busy": [],
        "instructor_busy": [],
        "learner_busy": {},
    }
    arguments.update(overrides)
    return choose_makeup_slot(**arguments)  # type: ignore[arg-type]


def test_the_first_free_slot_when_nothing_is_in_the_way():
    choice = choose()
    assert choice.starts_at == at(SUNDAY)
    assert choice.ends_at == at(SUNDAY, 17)
    assert choice.learner_clashes == 0
    assert choice.skipped == [] and choice.instructor_busy == [] and choice.learners_busy == []


def test_a_holiday_is_skipped_and_named():
    choice = choose(closed={SUNDAY: "عید سعید فطر", day(1): "تعطیلی مرکز"})
    assert choice.starts_at == at(day(2))
    assert choice.skipped == [(SUNDAY, "عید سعید فطر"), (day(1), "تعطیلی مرکز")]
    assert choice.why()["skipped"] == [
        ["2024-05-05", "عید سعید فطر"],
        ["2024-05-06", "تعطیلی مرکز"],
    ]


def test_friday_is_no_working_day_unless_the_class_meets_on_fridays():
    thursday = dt.date(2024, 5, 9)
    friday = dt.date(2024, 5, 10)
    assert choose(first_day=thursday, closed={thursday: "x"}).starts_at == at(day(6))  # Saturday
    with_friday = choose(first_day=thursday, closed={thursday: "x"}, weekdays={*WORKING_DAYS, 6})
    assert with_friday.starts_at == at(friday)


def test_an_instructor_clash_is_avoided():
    choice = choose(
        instructor_busy=[
            (
                at(SUNDAY, 15),
                at(
                    SUNDAY,
                    16,
                )
                + dt.timedelta(minutes=30),
            )
        ]
    )
    assert choice.starts_at == at(day(1))
    assert choice.instructor_busy == [at(SUNDAY)]


def test_a_session_that_only_touches_the_slot_is_no_clash():
    choice = choose(instructor_busy=[(at(SUNDAY, 15), at(SUNDAY, 16))])
    assert choice.starts_at == at(SUNDAY)


def test_the_class_never_meets_twice_at_once():
    choice = choose(offering_busy=[hour_at(SUNDAY)])
    assert choice.starts_at == at(day(1))
    assert choice.instructor_busy == []


def test_fewest_learners_clashing_wins_over_an_earlier_slot():
    learner_busy = {
        1: [hour_at(SUNDAY), hour_at(day(1))],
        2: [hour_at(SUNDAY)],
        3: [hour_at(day(2))],
    }
    choice = choose(learner_busy=learner_busy)
    assert choice.starts_at == at(day(3))
    assert choice.learner_clashes == 0
    assert choice.learners_busy == [(at(SUNDAY), 2), (at(day(1)), 1), (at(day(2)), 1)]


def test_when_every_slot_clashes_the_fewest_then_the_earliest():
    every_day = [hour_at(day(n)) for n in range(14)]
    learner_busy = {1: every_day, 2: [hour_at(SUNDAY), hour_at(day(2))]}
    choice = choose(learner_busy=learner_busy)
    assert choice.learner_clashes == 1
    assert choice.starts_at == at(day(1))  # Monday: one clash, like Wednesday, and earlier


def test_several_times_of_day_are_all_candidates():
    choice = choose(
        times=[dt.time(10), FOUR_PM],
        learner_busy={1: [hour_at(SUNDAY, 10)]},
    )
    assert choice.starts_at == at(SUNDAY, 16)
    assert choice.learners_busy == [(at(SUNDAY, 10), 1)]


def test_no_slot_in_the_window():
    closed = {day(n): "تعطیلی" for n in range(3)}
    assert choose(days=3, closed=closed) is None
    assert choose(days=1, instructor_busy=[hour_at(SUNDAY)]) is None
