"""The center's roster and the reports on a 360 px phone with long names (issue 11, items 5
and 7): nothing is laid out wider than the screen, the guardian's number shows masked and
"Show" reveals it in place through htmx, and Chart.js draws every chart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.catalog.models import OfferingStatus
from kargah.catalog.tests.factories import CourseFactory, OfferingFactory
from kargah.core.models import AuditLogEntry
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.teaching.tests.conftest import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "کارگاه‌آموزشی‌رباتیک‌و‌برنامه‌نویسی‌برای‌کودکان‌و‌نوجوانان‌علاقه‌مند" * 2
LAST = "عبدالحسینی‌طباطبایی‌نژاد‌اصفهانی‌زاده‌کرمانشاهی‌تبریزی‌اردبیلی"


def _fits(page: Page) -> None:
    widths = assert_no_sideways_scroll(page)
    assert widths["inner"] == 360, f"{page.url} is laid out wider: {widths}"


@pytest.fixture
def narrow(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_the_roster_fits_360_px_and_reveals_a_number_in_place(
    live_server, narrow: BrowserContext
) -> None:
    staff = StaffFactory.create()
    offering = OfferingFactory.create(
        course=CourseFactory.create(title=TITLE, center=staff.center),
        status=OfferingStatus.RUNNING, with_sessions=False,
    )  # fmt: skip
    guardian = GuardianFactory.create(mobile="+989121234567", username="+989121234567")
    child = LearnerFactory.create(family=guardian.family, first_name="محمدامیرحسین", last_name=LAST)
    place(child, offering)
    page: Page = narrow.new_page()
    failures = watch(page)
    sign_in(narrow, live_server.url, staff)

    page.goto(f"{live_server.url}/staff/offerings/{offering.pk}/roster/")
    page.get_by_test_id("staff-roster-row").first.wait_for()
    assert page.get_by_test_id("guardian-mobile-masked").inner_text() == "۰۹۱۲***۴۵۶۷"
    assert page.locator("body.k-staff").count() == 1
    _fits(page)

    page.get_by_test_id("reveal-mobile").click()
    page.get_by_test_id("guardian-mobile-revealed").wait_for()
    assert page.get_by_test_id("guardian-mobile-revealed").inner_text() == "۰۹۱۲۱۲۳۴۵۶۷"
    assert page.url.endswith("/roster/")  # swapped in place, no new page
    _fits(page)
    assert AuditLogEntry.objects.filter(action="roster.mobile_revealed").count() == 1
    assert failures == []


def test_the_reports_fit_360_px_and_draw_their_charts(live_server, narrow: BrowserContext) -> None:
    staff = StaffFactory.create()
    offering = OfferingFactory.create(
        course=CourseFactory.create(title=TITLE, center=staff.center),
        status=OfferingStatus.RUNNING, with_sessions=False,
    )  # fmt: skip
    place(LearnerFactory.create(last_name=LAST), offering)
    page: Page = narrow.new_page()
    failures = watch(page)
    sign_in(narrow, live_server.url, staff)

    page.goto(f"{live_server.url}/staff/reports/")
    page.get_by_test_id("report-figure").first.wait_for()
    # Chart.js (from node_modules) drew on every canvas with data.
    page.wait_for_function("typeof Chart !== 'undefined'")
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')].map(c => !!Chart.getChart(c))"
    )
    assert drawn and all(drawn)
    _fits(page)
    assert failures == []
