"""The pages of issue 11 item 6 and the draft edits on a phone (360 px) with long names: the
message to families previews and sends, the draft edit pages open; none scrolls sideways,
each wears the staff look and passes axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from kargah.accounts.tests.factories import CenterFactory, LearnerFactory, StaffFactory
from kargah.catalog.tests.factories import CourseFactory, EnrollmentFactory, OfferingFactory
from kargah.e2e.browser import assert_no_sideways_scroll, serious_axe_violations, sign_in, watch
from kargah.notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "کارگاه‌آموزشی‌رباتیک‌و‌برنامه‌نویسی‌برای‌کودکان‌و‌نوجوانان‌علاقه‌مند" * 2
LONG_CENTER = "مرکز‌فرهنگی‌هنری‌کانون‌پرورش‌فکری‌کودکان‌و‌نوجوانان‌شهرستان" * 2
LONG_NAME = "محمدامیرحسین‌علی‌رضا‌عبدالرحیم"


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    page = context.new_page()
    yield page
    context.close()


def _check(page: Page, found: dict[str, object]) -> None:
    assert page.locator("body.k-staff").count() == 1, page.url
    assert_no_sideways_scroll(page)
    if violations := serious_axe_violations(page):
        found[page.url] = violations


def test_write_to_families_and_edit_drafts_at_360_px(live_server, narrow_page: Page):
    center = CenterFactory.create(name=LONG_CENTER)
    course = CourseFactory.create(title=LONG_TITLE, center=center)
    offering = OfferingFactory.create(published=True, course=course)
    child = LearnerFactory.create(first_name=LONG_NAME)
    LearnerFactory.create(family=child.family, first_name=LONG_NAME + "دوم")
    for learner in child.family.learners.all():
        EnrollmentFactory.create(offering=offering, learner=learner)
    draft = OfferingFactory.create(course=CourseFactory.create(title=LONG_TITLE, center=center))
    staff = StaffFactory.create(center=center)
    sign_in(narrow_page.context, live_server.url, staff)
    failures = watch(narrow_page)
    found: dict[str, object] = {}

    narrow_page.goto(f"{live_server.url}/staff/messages/offering/{offering.pk}/?template=reminder")
    _check(narrow_page, found)
    narrow_page.click('[data-testid="preview"]')
    sample = narrow_page.locator('[data-testid="sample"]')
    assert sample.count() == 1 and LONG_NAME in sample.inner_text()
    _check(narrow_page, found)
    narrow_page.click('[data-testid="send"]')
    narrow_page.wait_for_url(f"**/staff/offerings/{offering.pk}/")
    assert OutboxMessage.objects.filter(kind="staff_message", channel="sms").count() == 1

    for path in (f"/staff/offerings/{draft.pk}/edit/", f"/staff/courses/{draft.course_id}/edit/"):
        narrow_page.goto(live_server.url + path)
        _check(narrow_page, found)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    assert failures == []
