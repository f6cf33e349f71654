"""The public catalog pages through Django's test client: every filter of the list, bad
filter input (a Persian form error, never a 500), pagination that keeps the filters, the
offering page with its whole schedule (P1), and query counts that do not grow with the
number of offerings or sessions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kargah.accounts.models import Learner
from kargah.accounts.tests.factories import (
    CenterFactory,
    GuardianFactory,
    LearnerFactory,
    ProvinceFactory,
)
from kargah.catalog.models import Offering, OfferingStatus, SessionStatus
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    CourseConditionsFactory,
    CourseFactory,
    InstructorFactory,
    OfferingFactory,
    SessionFactory,
)
from kargah.core.persian import format_jalali_date, format_weekday

pytestmark = pytest.mark.django_db

LIST = "/catalog/"
# Queries of one catalog page, whatever the number of offerings: the filter form's choices
# (categories, age groups, centers, provinces, the guardian's children), the count and the
# page, plus the session and user of a signed-in guardian.
LIST_MAX_QUERIES = 10
DETAIL_MAX_QUERIES = 6


def detail_url(offering: Offering) -> str:
    return f"/catalog/{offering.pk}/"


def published(**kwargs: Any) -> Offering:
    """A published offering with its sessions (eight Saturdays at 16:00 by default)."""
    return OfferingFactory.create(published=True, **kwargs)


def card_titles(response: Any) -> list[str]:
    return [card.offering.course.title for card in response.context["cards"]]


def invalid_fields(response: Any) -> set[str]:
    """The filters the page marks as not valid (Django's aria-invalid on their inputs)."""
    page = response.content.decode()
    return {
        match.group(1)
        for tag in re.findall(r"<(?:input|select)\b[^>]*>", page)
        if 'aria-invalid="true"' in tag and (match := re.search(r'name="([^"]+)"', tag))
    }


def listed(client: Client, **params: Any) -> set[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert not invalid_fields(response)
    assert 'data-testid="filter-errors"' not in response.content.decode()
    return set(card_titles(response))


def titled(title: str, **kwargs: Any) -> Offering:
    return published(course__title=title, **kwargs)


# --- the list and its filters ---------------------------------------------------------


def test_list_shows_published_offerings_only(client):
    titled("نقاشی آبرنگ")
    OfferingFactory.create(course__title="پیش‌نویس")  # a draft
    titled("لغو شده", status=OfferingStatus.CANCELLED)
    response = client.get(LIST)
    assert response.status_code == 200
    assert card_titles(response) == ["نقاشی آبرنگ"]
    assert "پیش‌نویس" not in response.content.decode()


def test_card_shows_what_a_family_needs(client):
    offering = titled(
        "داستان‌گویی", fee_rials=12_500_000, capacity=20, quorum=8, min_age=7, max_age=10
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=4)
    page = client.get(LIST).content.decode()
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    with translation.override("fa"):
        first_day = format_jalali_date(first.starts_at, long=True)
    assert "داستان‌گویی" in page
    assert offering.course.category.name in page
    assert offering.center.name in page
    # The fee in Toman, the site's one unit (issue 9), with Persian digits and «٬».
    assert "۱٬۲۵۰٬۰۰۰ تومان" in page and "ریال" not in page
    assert first_day in page
    assert "شنبه" in page and "۱۶:۰۰–۱۷:۰۰" in page  # the weekly pattern, start to end
    assert "۱۶ جای خالی" in page  # seats left
    assert 'aria-valuenow="50"' in page  # 4 of a quorum of 8
    assert 'data-testid="window-state"' in page


def test_filter_by_category_includes_its_sub_categories(client):
    field = CategoryFactory.create(name="هنری")
    painting = CategoryFactory.create(name="نقاشی", parent=field)
    other = CategoryFactory.create(name="علمی")
    titled("آبرنگ", course__category=painting)
    titled("سفالگری", course__category=field)
    titled("رباتیک", course__category=other)
    assert listed(client, category=field.pk) == {"آبرنگ", "سفالگری"}
    assert listed(client, category=painting.pk) == {"آبرنگ"}
    assert listed(client, category=other.pk) == {"رباتیک"}


def test_category_select_lists_fields_with_their_sub_categories(client):
    field = CategoryFactory.create(name="هنری")
    CategoryFactory.create(name="نقاشی", parent=field)
    page = client.get(LIST).content.decode()
    assert re.search(r">هنری</option>\s*<option[^>]*>— نقاشی</option>", page)


def test_filter_for_my_child_uses_the_childs_age(client):
    today = timezone.localdate()
    guardian = GuardianFactory.create()
    child = LearnerFactory.create(family=guardian.family, birth_date=dt.date(today.year - 9, 1, 1))
    stranger = LearnerFactory.create(birth_date=dt.date(today.year - 15, 1, 1))
    titled("برای ۷ تا ۱۲", min_age=7, max_age=12)
    titled("برای ۱۳ تا ۱۶", min_age=13, max_age=16)
    client.force_login(guardian)

    page = client.get(LIST).content.decode()
    assert f'value="{child.pk}"' in page and child.first_name in page
    assert listed(client, child=child.pk) == {"برای ۷ تا ۱۲"}

    # Another family's child is not a choice: an error, and no age filter.
    response = client.get(LIST, {"child": stranger.pk})
    assert response.status_code == 200
    assert invalid_fields(response) == {"child"}
    assert len(card_titles(response)) == 2


def test_for_my_child_is_only_offered_to_a_guardian_with_children(client):
    assert 'name="child"' not in client.get(LIST).content.decode()
    client.force_login(GuardianFactory.create())
    assert 'name="child"' not in client.get(LIST).content.decode()


def test_filter_by_age_group(client):
    young, older = (
        AgeGroupFactory.create(min_age=4, max_age=6),
        AgeGroupFactory.create(min_age=10, max_age=12),
    )
    titled("خردسالان", course__age_group=young)
    titled("نوجوانان", course__age_group=older)
    assert listed(client, age_group=young.pk) == {"خردسالان"}


def test_filter_by_center_and_by_province(client):
    tehran = ProvinceFactory.create(code="tehran", name="تهران")
    fars = ProvinceFactory.create(code="fars", name="فارس")
    center_a = CenterFactory.create(name="مرکز الف", province=tehran)
    center_b = CenterFactory.create(name="مرکز ب", province=tehran)
    center_c = CenterFactory.create(name="مرکز شیراز", province=fars)
    titled("الف", course__center=center_a)
    titled("ب", course__center=center_b)
    titled("ج", course__center=center_c)
    assert listed(client, center=center_a.pk) == {"الف"}
    assert listed(client, province=tehran.pk) == {"الف", "ب"}
    assert listed(client, province=fars.pk) == {"ج"}


def test_filter_by_weekday_and_time_of_day(client):
    titled("صبح شنبه", weekly_pattern=[{"weekday": 0, "start": "09:00"}])
    titled("عصر سه‌شنبه", weekly_pattern=[{"weekday": 3, "start": "18:00"}])
    titled(
        "بعدازظهر دوشنبه و چهارشنبه",
        weekly_pattern=[{"weekday": 2, "start": "15:00"}, {"weekday": 4, "start": "15:00"}],
    )
    assert listed(client, weekday=0) == {"صبح شنبه"}
    assert listed(client, weekday=4) == {"بعدازظهر دوشنبه و چهارشنبه"}
    assert listed(client, weekday=6) == set()
    assert listed(client, time_of_day="morning") == {"صبح شنبه"}
    assert listed(client, time_of_day="evening") == {"عصر سه‌شنبه"}
    page = client.get(LIST).content.decode()
    assert ">سه‌شنبه</option>" in page  # weekdays are named in Persian


def test_filter_by_fee_range_accepts_persian_digits_and_separators(client):
    titled("ارزان", fee_rials=1_000_000)
    titled("میانه", fee_rials=5_000_000)
    titled("گران", fee_rials=9_000_000)
    # Typed in Toman, the site's one money unit (issue 9).
    assert listed(client, fee_min="۲۰۰٬۰۰۰", fee_max="600,000") == {"میانه"}
    assert listed(client, fee_min="٥٠٠٠٠٠") == {"گران", "میانه"}
    assert listed(client, fee_max="500000") == {"ارزان", "میانه"}


def test_filter_by_seats_left(client):
    full = titled("تقریباً پر", capacity=20, quorum=5)
    titled("خالی", capacity=20, quorum=5)
    Offering.objects.filter(pk=full.pk).update(seats_taken=18)
    assert listed(client, seats_left_min="۵") == {"خالی"}
    assert listed(client, seats_left_min=2) == {"خالی", "تقریباً پر"}


def test_filter_registration_open(client):
    now = timezone.now()
    titled("باز")
    titled("هنوز باز نشده", registration_opens_at=now + dt.timedelta(days=2))
    assert listed(client, registration_open="on") == {"باز"}
    assert len(listed(client)) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fee_min": "ارزان"}, "fee_min"),
        ({"fee_min": "-5"}, "fee_min"),
        ({"fee_max": "9" * 40}, "fee_max"),
        ({"fee_min": "400", "fee_max": "100"}, "fee_max"),  # Toman; the fee is 500
        ({"seats_left_min": "چند"}, "seats_left_min"),
        ({"seats_left_min": "9" * 30}, "seats_left_min"),
        ({"weekday": "9"}, "weekday"),
        ({"weekday": "شنبه"}, "weekday"),
        ({"time_of_day": "midnight"}, "time_of_day"),
        ({"category": "999999"}, "category"),
        ({"category": "9" * 40}, "category"),
        ({"age_group": "abc"}, "age_group"),
        ({"center": "1.5"}, "center"),
        ({"province": "-1"}, "province"),
        ({"q": "ک" * 101}, "q"),
    ],
)
def test_bad_filter_shows_an_error_and_is_left_out(client, params, field):
    center = CenterFactory.create()
    titled("این مرکز", course__center=center, fee_rials=5000)
    titled("مرکز دیگر")
    response = client.get(LIST, {**params, "center": params.get("center", center.pk)})
    assert response.status_code == 200
    assert field in invalid_fields(response)
    page = response.content.decode()
    assert 'data-testid="filter-errors"' in page
    assert "invalid-feedback" in page
    # The bad field is left out, the others still filter.
    expected = 2 if field == "center" else 1
    assert len(card_titles(response)) == expected


def test_built_in_errors_are_in_persian(client):
    titled("کارگاه")
    response = client.get(LIST, {"fee_min": "ارزان"})
    # The fee is typed in Toman and its error says so, in Persian (issue 9).
    assert "مبلغ را به تومان و به صورت عدد صحیح" in response.content.decode()


def test_bad_page_numbers_never_fail(client):
    titled("کارگاه")
    for page in ("abc", "0", "-1", "999", "9" * 40, "۱"):
        response = client.get(LIST, {"page": page})
        assert response.status_code == 200
        assert card_titles(response) == ["کارگاه"]


def test_huge_offering_id_is_a_404(client):
    assert client.get(f"/catalog/{'9' * 30}/").status_code == 404


def test_pagination_keeps_the_filters(client):
    center = CenterFactory.create()
    for n in range(23):
        titled(f"کارگاه {n:02d}", course__center=center)
    titled("جای دیگر")
    response = client.get(LIST, {"center": center.pk, "q": "کارگاه"})
    assert len(response.context["cards"]) == 20
    assert response.context["page_obj"].paginator.count == 23
    page = response.content.decode()
    next_link = re.search(r'href="([^"]*)" rel="next"', page)
    assert next_link is not None
    href = next_link.group(1).replace("&amp;", "&")
    assert f"center={center.pk}" in href and "page=2" in href and "q=" in href
    second = client.get(LIST + href)
    assert len(second.context["cards"]) == 3
    assert all(t.startswith("کارگاه") for t in card_titles(second))


# --- the offering page ----------------------------------------------------------------


@pytest.fixture
def full_offering() -> Offering:
    course = CourseFactory.create(
        title="رباتیک مقدماتی",
        description="ساخت یک ربات کوچک",
        syllabus="جلسه اول: آشنایی با قطعات",
        required_documents=["کارت ملی ولی", "عکس فراگیر"],
        session_count=8,
    )
    CourseConditionsFactory.create(course=course, version=2, text="نسخهٔ دوم شرایط")
    instructors = [
        InstructorFactory.create(center=course.center, first_name="مریم", last_name="احمدی"),
        InstructorFactory.create(center=course.center, first_name="علی", last_name="رضایی"),
    ]
    offering = published(
        course=course, instructors=instructors, fee_rials=7_000_000, capacity=15, quorum=6
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=3)
    offering.refresh_from_db()
    return offering


def test_offering_page_shows_everything_and_every_session(client, full_offering):
    response = client.get(detail_url(full_offering))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "رباتیک مقدماتی", "ساخت یک ربات کوچک", "جلسه اول: آشنایی با قطعات",
        str(full_offering.course.category), full_offering.center.name,
        "مریم احمدی", "علی رضایی", "۷۰۰٬۰۰۰ تومان", "نسخهٔ دوم شرایط",
        "کارت ملی ولی", "عکس فراگیر",
    ):  # fmt: skip
        assert text in page, text
    assert "شرایط شرکت در کارگاه" not in page  # version 1 is not the current one
    assert "۲" in page.split('data-testid="conditions-version"')[1].split("</p>")[0]
    assert "۱۲" in page and "۱۵" in page  # seats left of the capacity
    assert 'aria-valuenow="50"' in page  # 3 of a quorum of 6
    with translation.override("fa"):
        opens = format_jalali_date(full_offering.registration_opens_at)
    assert opens in page
    sessions = list(full_offering.sessions.order_by("starts_at"))
    assert page.count('data-testid="session-row"') == len(sessions) == 8
    with translation.override("fa"):
        for session in sessions:
            assert format_jalali_date(session.starts_at) in page
            assert format_weekday(session.starts_at) in page
    assert "۱۶:۰۰–۱۷:۰۰" in page  # Tehran time, Persian digits
    assert f'href="/catalog/{full_offering.pk}/calendar.ics"' in page


def test_offering_page_marks_cancelled_and_make_up_sessions(client, full_offering):
    first = full_offering.sessions.order_by("starts_at").first()
    assert first is not None
    first.status = SessionStatus.CANCELLED
    first.save()
    SessionFactory.create(offering=full_offering, makeup_for=first)
    page = client.get(detail_url(full_offering)).content.decode()
    assert page.count('data-testid="session-row"') == 9
    assert "text-decoration-line-through" in page
    assert "badge text-bg-danger" in page


def test_draft_and_unknown_offerings_are_404(client):
    draft = OfferingFactory.create(with_sessions=True)
    assert client.get(detail_url(draft)).status_code == 404
    assert client.get("/catalog/987654/").status_code == 404


def test_cancelled_offering_page_says_so(client):
    offering = published(status=OfferingStatus.CANCELLED)
    response = client.get(detail_url(offering))
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode()


def test_list_links_to_the_offering_page(client):
    offering = titled("سفالگری")
    assert f'href="{detail_url(offering)}"' in client.get(LIST).content.decode()


# --- query counts ---------------------------------------------------------------------


def _count_queries(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def _guardian_client(client: Client) -> Learner:
    guardian = GuardianFactory.create()
    learner = LearnerFactory.create(family=guardian.family)
    LearnerFactory.create(family=guardian.family)
    client.force_login(guardian)
    return learner


def test_list_query_count_does_not_grow_with_offerings(client, django_assert_max_num_queries):
    _guardian_client(client)
    params = {"registration_open": "on", "fee_min": "100"}
    for _ in range(5):
        published()
    few = _count_queries(client, LIST, params)
    for _ in range(35):
        published()
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        many = _count_queries(client, LIST, params)
    assert few == many


def test_detail_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    small = published(course__session_count=5, fee_rials=1000)
    big_course = CourseFactory.create(session_count=40)
    CourseConditionsFactory.create(course=big_course, version=2)
    big = published(
        course=big_course,
        instructors=[InstructorFactory.create(center=big_course.center) for _ in range(5)],
    )
    assert small.sessions.count() == 5 and big.sessions.count() == 40
    few = _count_queries(client, detail_url(small))
    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        many = _count_queries(client, detail_url(big))
    assert few == many
