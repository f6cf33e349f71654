"""The public schedule names each skipped day in its place (issue 9, finding 6; P4):
«بدون کلاس: نوروز» between the sessions before and after it, never an unexplained gap."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kargah.catalog.models import Offering
from kargah.catalog.schedule import iranian_weekday
from kargah.catalog.tests.factories import HolidayFactory, OfferingFactory
from kargah.core.persian import format_jalali_date

pytestmark = pytest.mark.django_db


def _saturdays_from(day: dt.date) -> list[dt.date]:
    first = day + dt.timedelta(days=(-iranian_weekday(day)) % 7)
    return [first + dt.timedelta(weeks=n) for n in range(12)]


def _rows(page: str) -> list[str]:
    """The schedule table's rows in order: "session N" or "skipped <text>"."""
    body = page.split('data-testid="sessions"', 1)[1].split("</table>", 1)[0]
    rows = []
    for match in re.finditer(
        r'<tr[^>]*data-testid="(session-row|skipped-day)"[^>]*>(.*?)</tr>', body, re.S
    ):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()
        rows.append(("session " if match.group(1) == "session-row" else "skipped ") + text)
    return rows


@pytest.fixture
def saturdays() -> list[dt.date]:
    return _saturdays_from(timezone.localdate() + dt.timedelta(days=21))


@pytest.fixture
def offering(saturdays) -> Offering:
    HolidayFactory.create(date=saturdays[1], name="نوروز")
    HolidayFactory.create(date=saturdays[2], name="نوروز")
    HolidayFactory.create(date=saturdays[4], name="سیزده‌به‌در", closure=True)  # elsewhere
    return OfferingFactory.create(published=True, first_date=saturdays[0])


def test_each_skipped_day_is_named_in_its_place(client, offering, saturdays):
    page = client.get(reverse("catalog:detail", args=[offering.pk])).content.decode()
    rows = _rows(page)
    assert len(rows) == 8 + 2
    assert rows[0].startswith("session ۱ ")
    for row, day in zip(rows[1:3], saturdays[1:3], strict=True):
        assert row.startswith("skipped ")
        assert format_jalali_date(day) in row
        assert "بدون کلاس: نوروز" in row
    assert rows[3].startswith("session ۲ ")
    # Another center's closure is no gap here: that Saturday has its session.
    assert "سیزده" not in page
    assert "۸ جلسه" in page  # the count is of sessions, not of rows


def test_a_day_skipped_after_the_last_session_is_not_listed(client, saturdays):
    offering = OfferingFactory.create(published=True, first_date=saturdays[0])
    HolidayFactory.create(date=saturdays[10], name="عید فطر")
    page = client.get(reverse("catalog:detail", args=[offering.pk])).content.decode()
    assert "عید فطر" not in page
    assert all(row.startswith("session ") for row in _rows(page))


def test_a_province_holiday_of_the_center_is_named(client, saturdays):
    offering = OfferingFactory.create(published=True, first_date=saturdays[0])
    HolidayFactory.create(date=saturdays[3], name="روز استان", province=offering.center.province)
    offering = OfferingFactory.create(
        published=True, first_date=saturdays[0], course__center=offering.center
    )
    rows = _rows(client.get(reverse("catalog:detail", args=[offering.pk])).content.decode())
    assert [row for row in rows if row.startswith("skipped ")] == [
        row for row in rows if "بدون کلاس: روز استان" in row
    ]
    assert sum(row.startswith("skipped ") for row in rows) == 1
