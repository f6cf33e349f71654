"""Periods, the one-year term and Iranian working days (Friday and official holidays off)."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest

from kargah.catalog.tests.factories import HolidayFactory
from kargah.sla.periods import (
    add_working_days,
    latest_term_end,
    period_containing,
    working_days_between,
)
from kargah.sla.tests.conftest import tehran


@pytest.mark.django_db
def test_working_days_across_a_friday_and_a_holiday() -> None:
    """Wednesday 1403/02/05 → Sunday 1403/02/09: Thursday counts, Friday does not, Saturday
    does not once it is an official holiday, Sunday counts."""
    approved, paid = tehran(dt.date(2024, 4, 24), 10), tehran(dt.date(2024, 4, 28), 9)
    assert working_days_between(approved, paid) == 3
    HolidayFactory.create(date=dt.date(2024, 4, 27))
    assert working_days_between(approved, paid) == 2
    # A provincial holiday or a center's closure is no day off for the bank.
    HolidayFactory.create(date=dt.date(2024, 4, 28), closure=True)
    assert working_days_between(approved, paid) == 2
    assert add_working_days(approved, 2, holidays={dt.date(2024, 4, 27)}) == dt.date(2024, 4, 28)


def test_working_days_same_day_is_zero() -> None:
    moment = tehran(dt.date(2024, 4, 24), 10)
    assert working_days_between(moment, moment + dt.timedelta(hours=5), holidays=set()) == 0


def test_periods_are_jalali_months_and_iranian_weeks() -> None:
    assert period_containing("month", dt.date(2024, 5, 1)) == (
        dt.date(2024, 4, 20),
        dt.date(2024, 5, 21),
    )
    # Esfand 1403 (a leap year: 30 days) runs to Nowruz 1404.
    assert period_containing("month", dt.date(2025, 3, 1)) == (
        dt.date(2025, 2, 19),
        dt.date(2025, 3, 21),
    )
    # Wednesday 2024-04-24 lies in the week from Saturday 04-20 to Friday 04-26.
    assert period_containing("week", dt.date(2024, 4, 24)) == (
        dt.date(2024, 4, 20),
        dt.date(2024, 4, 27),
    )
    assert period_containing("week", dt.date(2024, 4, 20))[0] == dt.date(2024, 4, 20)


def test_a_term_is_at_most_one_jalali_year() -> None:
    def jalali(y: int, m: int, d: int) -> dt.date:
        return jdatetime.date(y, m, d).togregorian()

    # The seed: 1402/01/01 → 1402/12/29.
    assert latest_term_end(jalali(1402, 1, 1)) == jalali(1402, 12, 29) == dt.date(2024, 3, 19)
    assert latest_term_end(jalali(1402, 7, 15)) == jalali(1403, 7, 14)
    # 1403/12/30 exists (a leap year); a year on there is none, and 1404/12/29 is the last.
    assert latest_term_end(jalali(1403, 12, 30)) == jalali(1404, 12, 29)
