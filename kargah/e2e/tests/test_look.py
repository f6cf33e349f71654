"""Kargah's look in the browser (issue 9, item 11): the catalog at 360 px with long names
scrolls no sideways and draws each field's icon; the empty and staff pages pass axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from kargah.accounts.tests.factories import CenterFactory, GuardianFactory, StaffFactory
from kargah.catalog.demo import seed_categories
from kargah.catalog.tests.factories import CourseFactory, OfferingFactory
from kargah.e2e.browser import assert_no_sideways_scroll, serious_axe_violations, sign_in, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "کارگاه‌آموزشی‌رباتیک‌و‌برنامه‌نویسی‌برای‌کودکان‌و‌نوجوانان‌علاقه‌مند" * 2
LONG_CENTER = "مرکز‌فرهنگی‌هنری‌کانون‌پرورش‌فکری‌کودکان‌و‌نوجوانان‌شهرستان" * 2


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    page = context.new_page()
    yield page
    context.close()


def test_the_catalog_at_360_px_with_long_names_stays_on_screen(live_server, narrow_page: Page):
    categories = seed_categories()
    center = CenterFactory.create(name=LONG_CENTER)
    for slug in ("robotics", "painting", "poetry", "quran-recitation", "iran-studies"):
        OfferingFactory.create(
            published=True,
            course=CourseFactory.create(title=LONG_TITLE, center=center, category=categories[slug]),
            weekly_pattern=[{"weekday": d, "start": "16:00"} for d in (0, 2, 4)],
        )
    failures = watch(narrow_page)
    narrow_page.goto(live_server.url + "/catalog/")
    assert narrow_page.locator('[data-testid="offering-card"]').count() == 5
    assert_no_sideways_scroll(narrow_page)
    # Each card's icon is drawn (the sprite loads, the <use> has a size) in its field's colour.
    icon = narrow_page.locator(".k-field-icon svg").first
    box = icon.bounding_box()
    assert box is not None and box["width"] >= 24
    colours = narrow_page.eval_on_selector_all(
        ".k-field-icon", "nodes => nodes.map(n => getComputedStyle(n).color)"
    )
    assert len(set(colours)) == 5  # one card of each of the five fields
    assert failures == []


def test_empty_lists_and_staff_pages_pass_axe(live_server, page: Page):
    guardian = GuardianFactory.create()
    sign_in(page.context, live_server.url, guardian)
    found = {}
    for path in ("/enroll/schedule/", "/enroll/wallet/", "/wallet/refunds/", "/catalog/?q=ناموجود"):
        page.goto(live_server.url + path)
        assert page.locator('[data-testid="empty-state"], [data-testid="no-results"]').count()
        if violations := serious_axe_violations(page):
            found[path] = violations
    sign_in(page.context, live_server.url, StaffFactory.create())
    for path in ("/staff/", "/documents/review/", "/accounts/staff/link-requests/"):
        page.goto(live_server.url + path)
        assert page.locator("body.k-staff").count() == 1
        assert_no_sideways_scroll(page)
        if violations := serious_axe_violations(page):
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
