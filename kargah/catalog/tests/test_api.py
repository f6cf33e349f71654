"""The catalog API: the same filters as the page as query parameters, 400 with Persian
messages for bad ones (never a 500), pagination, one offering with its whole schedule in
ISO and Jalali forms, bounded query counts, and the OpenAPI schema and docs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jdatetime
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kargah.accounts.tests.factories import CenterFactory, ProvinceFactory
from kargah.catalog.models import Offering, OfferingStatus
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    CourseConditionsFactory,
    CourseFactory,
    InstructorFactory,
    OfferingFactory,
)
from kargah.core.persian import TEHRAN

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings"
PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def published(**kwargs: Any) -> Offering:
    return OfferingFactory.create(published=True, **kwargs)


def titled(title: str, **kwargs: Any) -> Offering:
    return published(course__title=title, **kwargs)


def titles(api: APIClient, **params: Any) -> set[str]:
    response = api.get(LIST, params)
    assert response.status_code == 200, response.json()
    return {item["title"] for item in response.json()["results"]}


# --- list and filters -----------------------------------------------------------------


def test_list_is_public_and_paginated(api):
    for n in range(23):
        titled(f"کارگاه {n}")
    OfferingFactory.create(course__title="پیش‌نویس")
    response = api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 23
    assert len(body["results"]) == 20
    assert body["next"] and "page=2" in body["next"]
    second = api.get(body["next"]).json()
    assert len(second["results"]) == 3
    assert "پیش‌نویس" not in {item["title"] for item in body["results"] + second["results"]}


def test_list_item_fields(api):
    offering = titled("نقاشی", fee_rials=4_000_000, capacity=12, quorum=4)
    item = api.get(LIST).json()["results"][0]
    assert item["id"] == offering.pk
    assert item["fee_rials"] == 4_000_000
    assert item["capacity"] == 12 and item["seats_left"] == 12 and item["quorum"] == 4
    assert item["registration_open"] is True
    assert item["weekly_pattern"] == [{"weekday": 0, "weekday_name": "شنبه", "start": "16:00"}]
    assert re.fullmatch(r"1[34]\d\d/\d\d/\d\d", item["first_session_date_jalali"])
    assert re.fullmatch(r"1[34]\d\d/\d\d/\d\d \d\d:\d\d", item["registration_closes_at_jalali"])
    assert item["center"]["name"] == offering.center.name
    assert item["url"].endswith(f"/api/v1/offerings/{offering.pk}")


def test_filter_category_with_sub_categories(api):
    field = CategoryFactory.create(name="هنری")
    painting = CategoryFactory.create(name="نقاشی", parent=field)
    titled("آبرنگ", course__category=painting)
    titled("سفالگری", course__category=field)
    titled("رباتیک")
    assert titles(api, category=field.pk) == {"آبرنگ", "سفالگری"}
    assert titles(api, category=painting.pk) == {"آبرنگ"}


def test_filter_age_and_age_group(api):
    young = AgeGroupFactory.create(min_age=4, max_age=6)
    titled("خردسالان", course__age_group=young)
    titled("نوجوانان", min_age=13, max_age=16)
    assert titles(api, age=5) == {"خردسالان"}
    assert titles(api, age="۱۴") == {"نوجوانان"}
    assert titles(api, age=30) == set()
    assert titles(api, age_group=young.pk) == {"خردسالان"}


def test_filter_center_and_province(api):
    province = ProvinceFactory.create()
    center = CenterFactory.create(province=province)
    titled("این مرکز", course__center=center)
    titled("مرکز دیگر")
    assert titles(api, center=center.pk) == {"این مرکز"}
    assert titles(api, province=province.pk) == {"این مرکز"}


def test_filter_weekday_and_time_of_day(api):
    titled("صبح شنبه", weekly_pattern=[{"weekday": 0, "start": "09:30"}])
    titled("عصر جمعه", weekly_pattern=[{"weekday": 6, "start": "17:00"}])
    assert titles(api, weekday=6) == {"عصر جمعه"}
    assert titles(api, weekday="۰") == {"صبح شنبه"}
    assert titles(api, time_of_day="morning") == {"صبح شنبه"}
    assert titles(api, time_of_day="evening") == {"عصر جمعه"}
    assert titles(api, time_of_day="afternoon") == set()


def test_filter_fee_seats_and_registration_open(api):
    cheap = titled("ارزان", fee_rials=1_000_000)
    titled("گران", fee_rials=9_000_000, registration_opens_at=timezone.now() + dt.timedelta(days=1))
    Offering.objects.filter(pk=cheap.pk).update(seats_taken=19)
    assert titles(api, fee_min="۲٬۰۰۰٬۰۰۰") == {"گران"}
    assert titles(api, fee_max="2,000,000") == {"ارزان"}
    assert titles(api, fee_min=1_000_000, fee_max=1_000_000) == {"ارزان"}
    assert titles(api, seats_left_min=2) == {"گران"}
    assert titles(api, registration_open="true") == {"ارزان"}
    assert titles(api, registration_open="false") == {"ارزان", "گران"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "abc"}, "category"),
        ({"category": "9" * 40}, "category"),
        ({"category": "987654"}, "category"),
        ({"center": "0"}, "center"),
        ({"province": "987654"}, "province"),
        ({"age_group": "987654"}, "age_group"),
        ({"age": "-3"}, "age"),
        ({"age": "۲۰۰"}, "age"),
        ({"weekday": "7"}, "weekday"),
        ({"weekday": "شنبه"}, "weekday"),
        ({"time_of_day": "midnight"}, "time_of_day"),
        ({"fee_min": "ارزان"}, "fee_min"),
        ({"fee_max": "9" * 30}, "fee_max"),
        ({"fee_min": "5000", "fee_max": "10"}, "fee_max"),
        ({"seats_left_min": "-1"}, "seats_left_min"),
        ({"registration_open": "maybe"}, "registration_open"),
        ({"q": "ک" * 101}, "q"),
    ],
)
def test_bad_parameters_are_400_with_a_message(api, params, field):
    titled("کارگاه")
    response = api.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])


@pytest.mark.parametrize(
    "params", [{"age": "-3"}, {"weekday": "7"}, {"fee_min": "ارزان"}, {"time_of_day": "x"}]
)
def test_built_in_messages_are_persian(api, params):
    body = api.get(LIST, params).json()
    message = body["detail"]
    assert PERSIAN_LETTERS.search(message), message


def test_bad_page_is_404_not_500(api):
    titled("کارگاه")
    assert api.get(LIST, {"page": "999"}).status_code == 404
    assert api.get(LIST, {"page": "abc"}).status_code == 404


def test_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    for _ in range(5):
        published()
    with CaptureQueriesContext(connection) as few:
        assert api.get(LIST, {"registration_open": "true"}).status_code == 200
    for _ in range(35):
        published()
    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as many:
        assert api.get(LIST, {"registration_open": "true"}).status_code == 200
    assert len(few) == len(many)


# --- one offering ---------------------------------------------------------------------


@pytest.fixture
def offering() -> Offering:
    course = CourseFactory.create(
        title="رباتیک", description="ساخت ربات", syllabus="سرفصل‌ها", required_documents=["عکس"]
    )
    CourseConditionsFactory.create(course=course, version=2, text="شرایط نسخهٔ دوم")
    instructors = [
        InstructorFactory.create(center=course.center, first_name="مریم", last_name="احمدی")
    ]
    return published(course=course, instructors=instructors, fee_rials=6_000_000)


def test_detail_has_the_whole_schedule(api, offering):
    response = api.get(f"{LIST}/{offering.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "رباتیک"
    assert body["description"] == "ساخت ربات" and body["syllabus"] == "سرفصل‌ها"
    assert body["required_documents"] == ["عکس"]
    assert body["fee_rials"] == 6_000_000
    assert body["capacity"] == offering.capacity and body["seats_left"] == offering.seats_left
    assert body["quorum"] == offering.quorum
    assert body["instructors"] == ["مریم احمدی"]
    assert body["conditions"] == {"version": 2, "text": "شرایط نسخهٔ دوم"}
    assert body["ics_url"].endswith(f"/catalog/{offering.pk}/calendar.ics")
    assert body["page_url"].endswith(f"/catalog/{offering.pk}/")
    opens = dt.datetime.fromisoformat(body["registration_opens_at"])
    assert opens == offering.registration_opens_at
    assert re.fullmatch(r"1[34]\d\d/\d\d/\d\d \d\d:\d\d", body["registration_opens_at_jalali"])

    sessions = list(offering.sessions.order_by("starts_at"))
    assert [s["number"] for s in body["sessions"]] == [s.number for s in sessions]
    first, row = sessions[0], body["sessions"][0]
    assert dt.datetime.fromisoformat(row["starts_at"]) == first.starts_at
    assert dt.datetime.fromisoformat(row["ends_at"]) == first.ends_at
    assert row["starts_at"].endswith("+03:30")  # Tehran time, with its offset
    local = first.starts_at.astimezone(TEHRAN)
    jalali = jdatetime.date.fromgregorian(date=local.date())
    assert row["date_jalali"] == f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"
    assert row["weekday"] == "شنبه"
    assert row["start_time"] == "16:00" and row["end_time"] == "17:00"
    assert row["status"] == "scheduled"


def test_detail_of_a_draft_is_404(api):
    draft = OfferingFactory.create(with_sessions=True)
    assert api.get(f"{LIST}/{draft.pk}").status_code == 404
    assert api.get(f"{LIST}/424242").status_code == 404
    assert api.get(f"{LIST}/{'9' * 30}").status_code == 404


def test_detail_of_a_cancelled_offering_says_so(api):
    cancelled = published(status=OfferingStatus.CANCELLED)
    body = api.get(f"{LIST}/{cancelled.pk}").json()
    assert body["status"] == "cancelled" and body["registration_open"] is False


def test_detail_query_count_does_not_grow(api, django_assert_max_num_queries):
    small = published(course__session_count=3)
    big = published(
        course__session_count=30,
        instructors=[InstructorFactory.create() for _ in range(4)],
    )
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"{LIST}/{small.pk}").status_code == 200
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as many:
        assert api.get(f"{LIST}/{big.pk}").status_code == 200
    assert len(few) == len(many)


# --- schema and docs ------------------------------------------------------------------


def test_schema_documents_the_catalog(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/offerings" in text
    assert "/api/v1/offerings/{offering_id}" in text
    for name in (
        "category", "age_group", "weekday", "time_of_day", "fee_min", "fee_max",
        "seats_left_min", "registration_open",
    ):  # fmt: skip
        assert f"name: {name}" in text, name


def test_docs_page_loads_without_a_cdn(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html), "the docs page uses a CDN"
