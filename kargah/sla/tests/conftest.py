"""Fixtures of the SLA tests: a small hand-built history in Jalali month 1403/02 (one
published class with three sessions and two paying families), a version of the agreement,
levels made on demand, and a clock for the rows whose time the database stamps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kargah.accounts.models import Family
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory, SessionFactory
from kargah.core.persian import TEHRAN
from kargah.enrollment.models import Enrollment
from kargah.sla import metrics
from kargah.sla.models import ServiceLevel, SlaVersion
from kargah.sla.periods import at_midnight, period_containing

# 1403/02/01 … 1403/02/31: 2024-04-20 (a Saturday) up to 2024-05-21.
MONTH_START, MONTH_END = period_containing("month", dt.date(2024, 5, 1))
FEE = 5_000_000


def tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TEHRAN)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """timezone.now() is `moment` inside (for rows stamped with auto_now_add)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def month_window(now: dt.datetime | None = None) -> metrics.Window:
    return metrics.Window(
        start=at_midnight(MONTH_START),
        end=at_midnight(MONTH_END),
        now=now or at_midnight(MONTH_END) + dt.timedelta(days=2),
    )


@dataclass
class History:
    offering: Offering
    sessions: list[Session]
    places: list[Enrollment]
    version: SlaVersion

    @property
    def families(self) -> list[Family]:
        return [place.family for place in self.places]


@pytest.fixture
def history(db: None) -> History:
    """A class whose registration opened on 1403/02/01 08:00 (published ten days before),
    with three Saturday sessions at 16:00 in the month (not yet held) and two families who
    paid its fee; and the agreement of 1403."""
    offering = OfferingFactory.create(
        status=OfferingStatus.RUNNING,
        published_at=tehran(dt.date(2024, 4, 10), 8),
        registration_opens_at=tehran(dt.date(2024, 4, 20), 8),
        registration_closes_at=tehran(dt.date(2024, 4, 25), 8),
        first_date=dt.date(2024, 4, 27),
        fee_rials=FEE,
        with_sessions=False,
    )
    sessions = [
        SessionFactory.create(offering=offering, starts_at=tehran(day, 16),
                              ends_at=tehran(day, 17))
        for day in (dt.date(2024, 4, 27), dt.date(2024, 5, 4), dt.date(2024, 5, 11))
    ]  # fmt: skip
    places = [
        EnrollmentFactory.create(offering=offering, fee_rials=FEE, paid_rials=FEE) for _ in range(2)
    ]
    version = SlaVersion.objects.create(
        title="توافق‌نامه سطح خدمت ۱۴۰۳",
        service="آموزش غیرمستقیم",
        text="متن",
        signatory="مدیرکل",
        valid_from=dt.date(2024, 3, 20),
        valid_until=dt.date(2025, 3, 20),
    )
    return History(offering=offering, sessions=sessions, places=places, version=version)


MakeLevel = Callable[..., ServiceLevel]


@pytest.fixture
def make_level(history: History) -> MakeLevel:
    def make(metric: str, **fields: Any) -> ServiceLevel:
        values: dict[str, Any] = {
            "version": history.version,
            "name": metric,
            "metric": metric,
            "target": Decimal("100"),
            "period": "month",
            **fields,
        }
        return ServiceLevel.objects.create(**values)

    return make


def hold(session: Session, *, taught_minutes_late: int = 0) -> None:
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.HELD,
        taught_at=session.starts_at + dt.timedelta(minutes=taught_minutes_late),
    )
