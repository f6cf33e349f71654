"""The agreement's staff pages and the notice on every staff page, on a 360 px phone with a
long title: nothing wider than the screen, no serious axe-core violation, Jalali dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import StaffFactory
from kargah.e2e.browser import assert_no_sideways_scroll, serious_axe_violations, sign_in, watch
from kargah.sla.models import ServiceLevel
from kargah.sla.selectors import today
from kargah.sla.services import sla_version_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "توافق‌نامه‌سطح‌خدمت‌آموزش‌غیرمستقیم‌فرهنگی‌هنری‌ادبی‌علمی‌ودینی" * 2


@pytest.fixture
def narrow(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _fits(page: Page) -> None:
    widths = assert_no_sideways_scroll(page)
    assert widths["inner"] == 360, f"{page.url} is laid out wider: {widths}"
    assert serious_axe_violations(page) == []


def test_the_notice_and_the_agreement_pages_fit_a_phone(
    live_server, narrow: BrowserContext
) -> None:
    page: Page = narrow.new_page()
    failures = watch(page)
    sign_in(narrow, live_server.url, StaffFactory.create())
    page.goto(f"{live_server.url}/staff/")
    page.get_by_test_id("sla-notice-none").wait_for()
    _fits(page)

    admin = User.objects.create(username="admin-e2e-sla", role=Role.ADMINISTRATOR, is_staff=True)
    # A renewal that ends in 20 days (the service clears the cached notice on commit).
    version = sla_version_create(
        actor=admin, title=TITLE, service=TITLE, text="متن", signatory="مدیرکل",
        valid_from=today() - dt.timedelta(days=10), valid_until=today() + dt.timedelta(days=20),
    )  # fmt: skip
    ServiceLevel.objects.create(
        version=version, name=TITLE, metric="sessions_held", target=95, period="month",
        compensation="fee_share", compensation_percent=10,
    )  # fmt: skip
    sign_in(narrow, live_server.url, admin)
    page.goto(f"{live_server.url}/staff/agreement/")
    page.get_by_test_id("sla-notice-expiring").wait_for()
    assert "۲۰ روز" in page.get_by_test_id("sla-notice-expiring").inner_text()
    assert page.get_by_test_id("sla-version").count() == 1
    _fits(page)
    page.get_by_test_id("sla-version").first.click()
    page.get_by_test_id("sla-levels").wait_for()
    _fits(page)
    page.goto(f"{live_server.url}/staff/agreement/new/")
    page.get_by_test_id("sla-version-form").wait_for()
    _fits(page)
    assert failures == []
