"""The demo's generated schedules against the shipped official calendar (P4): seeded on a
fixed day, first from the `holidays` package alone (the control that shows the finding),
then from the official calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from kargah.accounts.demo import seed_demo
from kargah.catalog import official_calendar
from kargah.catalog.demo import seed_catalog_demo
from kargah.catalog.models import Session, SessionStatus
from kargah.catalog.tests.conftest import tehran
from kargah.core.persian import to_tehran


def sessions_on_official_holidays() -> list[tuple[dt.date, str, str]]:
    """(day, holiday, class) for every scheduled session on a day of the shipped official
    calendar."""
    official: dict[dt.date, str] = {}
    for row in official_calendar.shipped_holidays():
        official.setdefault(row.date, row.name)
    hits = []
    for session in Session.objects.exclude(status=SessionStatus.CANCELLED).select_related(
        "offering__course"
    ):
        day = to_tehran(session.starts_at).date()
        if day in official:
            hits.append((day, official[day], session.offering.course.title))
    return hits


@pytest.mark.django_db
def test_the_demo_on_the_packages_calendar_put_classes_on_an_official_holiday(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding 1, with its control: seeded on 1405/09/10 from the `holidays` package alone
    (as before), published classes meet on 1405/12/09, the official martyrdom of Imam Ali
    that the package puts a day later; from the shipped official calendar, none does."""
    today = dt.date(2026, 12, 1)
    seed_demo()
    with transaction.atomic():
        monkeypatch.setattr(official_calendar, "published_years", lambda: set())
        seed_catalog_demo(today=today)
        hits = sessions_on_official_holidays()
        transaction.set_rollback(True)
    assert hits
    assert {day for day, _h, _c in hits} == {dt.date(2027, 2, 28)}
    assert not Session.objects.exists()

    monkeypatch.undo()
    seed_catalog_demo(today=today)
    assert Session.objects.filter(starts_at__gte=tehran(dt.date(2027, 2, 28), 0)).exists()
    assert sessions_on_official_holidays() == []
