"""The public service card (issue 13, item 5): each level's figure on the card is the one the
metric computes on a hand-built history; the card is public, its body comes from the cache
on a second visit (no query at all), a catalog change or a new day renders it again; the
agreement's term in Jalali or "none in force"; the fee table from the catalog's classes;
the home page links to it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kargah.accounts.tests.factories import CenterFactory
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import OfferingStatus, Session
from kargah.catalog.tests.factories import CourseFactory, OfferingFactory
from kargah.core.pdf import persian_number
from kargah.core.persian import format_jalali_date, format_money
from kargah.sla import metrics
from kargah.sla.evaluation import sla_evaluate
from kargah.sla.models import Measurement, Metric, ServiceLevel, SlaVersion
from kargah.sla.periods import at_midnight
from kargah.sla.tests.conftest import (
    MONTH_END,
    MONTH_START,
    History,
    MakeLevel,
    clock_at,
    hold,
    month_window,
)

pytestmark = pytest.mark.django_db

AFTER = at_midnight(MONTH_END) + dt.timedelta(days=2)
CARD = "/service-card/"


def _figures(html: str) -> dict[int, str]:
    """Level id → the figure the card shows for it."""
    return {
        int(level): figure
        for level, figure in re.findall(
            r'data-level="(\d+)">.*?data-testid="card-level-figure">([^<]*)<', html, re.S
        )
    }


@pytest.fixture
def measured(history: History, make_level: MakeLevel) -> dict[str, ServiceLevel]:
    """1403/02: one of three sessions cancelled, one held 10 minutes late, one held on time;
    no session on a holiday. Three levels of the agreement measured by the job."""
    first, second, third = history.sessions
    Session.objects.filter(pk=first.pk).update(status="cancelled", cancel_cause="center_decision")
    hold(second, taught_minutes_late=10)
    hold(third)
    levels = {
        "held": make_level(Metric.SESSIONS_HELD, name="برگزاری جلسه‌ها", target=Decimal(95)),
        "holiday": make_level(
            Metric.HOLIDAY_SESSIONS, name="بدون جلسه در تعطیلی", target=0, comparison="lte"
        ),
        "on_time": make_level(
            Metric.INSTRUCTOR_ON_TIME, name="حضور به‌موقع مربی", threshold=5, target=90
        ),
    }
    sla_evaluate(now=AFTER)
    return levels


def test_the_card_shows_each_levels_computed_figure(measured) -> None:
    """The figures the metrics compute on the history, formatted independently (the PDF
    module's Persian numbers), are what the card shows for each level, for 1403/02."""
    window = month_window(now=AFTER)
    expected = {}
    for level in measured.values():
        figure = metrics.measure(level, window).figure
        assert figure is not None
        percent = "" if level.metric == Metric.HOLIDAY_SESSIONS else "٪"
        expected[level.pk] = persian_number(figure) + percent
    # 2 of 3 held as announced; 1 of 2 taught within 5 minutes; no session on a holiday.
    assert sorted(expected.values()) == ["۰", "۵۰٪", "۶۶٫۶۷٪"]
    stored = dict(
        Measurement.objects.filter(period_start=MONTH_START).values_list("level_id", "figure")
    )
    assert {pk: stored[pk] for pk in expected} == {
        pk: metrics.measure(level, window).figure for pk, level in
        ((level.pk, level) for level in measured.values())
    }  # fmt: skip

    with clock_at(AFTER):
        html = Client().get(CARD).content.decode()
    assert _figures(html) == expected
    with translation.override("fa"):
        period = f"{format_jalali_date(MONTH_START)} تا {format_jalali_date(MONTH_END - dt.timedelta(days=1))}"
    assert html.count(period) == 3  # the latest period measured: 1403/02/01 to 1403/02/31
    assert "دست‌کم ۹۵٪" in html and "حداکثر ۰" in html and "دست‌کم ۹۰٪" in html
    assert html.count("برآورده نشد") == 2 and html.count("برآورده شد") == 1


def test_a_level_not_measured_yet_says_so(history: History, make_level: MakeLevel) -> None:
    level = make_level(Metric.SESSIONS_HELD, target=95)
    with clock_at(AFTER):
        html = Client().get(CARD).content.decode()
    assert _figures(html) == {level.pk: "هنوز اندازه‌گیری نشده"}


def test_the_agreement_in_force_with_its_jalali_term(history: History) -> None:
    with clock_at(AFTER):
        html = Client().get(CARD).content.decode()
    # 2024-03-20 … 2025-03-20: 1 Farvardin 1403 until 30 Esfand 1403 (a leap year).
    assert "از ۱ فروردین ۱۴۰۳ تا ۳۰ اسفند ۱۴۰۳" in html
    assert history.version.title in html
    assert 'data-testid="card-no-agreement"' not in html


def test_no_agreement_in_force(history: History) -> None:
    SlaVersion.objects.filter(pk=history.version.pk).update(valid_until=dt.date(2024, 4, 1))
    with clock_at(AFTER):
        html = Client().get(CARD).content.decode()
    assert "در حال حاضر هیچ توافق‌نامهٔ سطح خدمتی نافذ نیست." in html
    assert 'data-testid="card-level"' not in html


def test_the_card_is_public_and_its_second_visit_reads_nothing(
    measured, django_assert_num_queries
) -> None:
    """A visitor without an account sees the card; the second visit is served from the
    cache without a single query (no level, measurement, offering or version is read)."""
    visitor = Client()
    with clock_at(AFTER):
        first = visitor.get(CARD)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            second = visitor.get(CARD)
    assert second.status_code == 200
    assert second.content == first.content
    assert _figures(second.content.decode()) == _figures(first.content.decode())


def test_a_catalog_change_or_a_new_day_renders_the_card_again(
    measured, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    visitor = Client()
    course = CourseFactory.create(title="سفالگری")
    with clock_at(AFTER):
        assert "سفالگری" not in visitor.get(CARD).content.decode()
        OfferingFactory.create(published=True, course=course, fee_rials=7_000_000)
        # Cached: the new class is not seen until the catalog says it changed.
        assert "سفالگری" not in visitor.get(CARD).content.decode()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            catalog_changed()
        assert "سفالگری" in visitor.get(CARD).content.decode()
    # A measurement recorded later is seen from the next day's key (or within minutes).
    Measurement.objects.filter(level=measured["held"], period_start=MONTH_START).update(
        figure=Decimal("12.5")
    )
    with clock_at(AFTER), django_assert_max_num_queries(0):
        assert "۱۲٫۵٪" not in visitor.get(CARD).content.decode()
    with clock_at(AFTER + dt.timedelta(days=1)):
        assert "۱۲٫۵٪" in visitor.get(CARD).content.decode()


def test_the_fee_table_from_the_catalogs_classes(db: None) -> None:
    isfahan = CenterFactory.create(name="مرکز اصفهان")
    painting = CourseFactory.create(title="نقاشی", center=isfahan, session_count=8,
                                    session_minutes=60)  # fmt: skip
    for fee in (4_000_000, 6_000_000):
        OfferingFactory.create(published=True, course=painting, fee_rials=fee)
    OfferingFactory.create(course=CourseFactory.create(title="پیش‌نویس"), fee_rials=1)  # a draft
    OfferingFactory.create(
        published=True, status=OfferingStatus.CANCELLED, course=CourseFactory.create(title="لغوشده")
    )
    html = Client().get(CARD).content.decode()
    rows = re.findall(r'data-testid="card-fee">(.*?)</tr>', html, re.S)
    assert len(rows) == 1
    with translation.override("fa"):
        assert f"{format_money(4_000_000)} – {format_money(6_000_000)}" in rows[0]
    assert "نقاشی" in rows[0] and "۸ جلسهٔ ۶۰ دقیقه‌ای" in rows[0]
    assert "مرکز اصفهان" in html
    assert "پیش‌نویس" not in html and "لغوشده" not in html


def test_the_home_page_links_to_the_card(db: None) -> None:
    home = Client().get(reverse("core:home")).content.decode()
    assert f'href="{reverse("service_card:card")}"' in home
    assert reverse("service_card:card") == CARD


def test_the_service_card_answers_head_and_refuses_a_post(db) -> None:
    assert Client().head("/service-card/").status_code == 200
    assert Client().post("/service-card/").status_code == 405
