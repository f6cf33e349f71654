"""On a 360 px phone, in Persian (issue 11, items 8 and 9): finance walks the ledger, a
family's statement and the reconciliation with a mismatch; the quality supervisor walks
the read-only desk. Long names; no page scrolls sideways, nothing fails to load."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from kargah.accounts.models import Role
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog.tests.factories import CourseFactory, EnrollmentFactory, OfferingFactory
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.payments.reconciliation import reconciliation_run
from kargah.wallet.models import RefundRequest
from kargah.wallet.tests.test_refunds import top_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
TITLE = "کارگاه داستان‌گویی و نمایش خلاق با عروسک‌های دستی برای کودکان پیش‌دبستانی و دبستانی"
LAST = "عبدالحسینی‌طباطبایی‌نژاد اصفهانی‌زاده‌کرمانشاهی"


def _walk(browser: Browser, live_server_url: str, role: str, paths: list[str]) -> None:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 800}, is_mobile=True, locale="fa-IR"
    )
    page: Page = context.new_page()
    failures = watch(page)
    sign_in(context, live_server_url, StaffFactory.create(role=role))
    for path in paths:
        page.goto(f"{live_server_url}{path}")
        widths = assert_no_sideways_scroll(page)
        assert widths["inner"] == WIDTH, (path, widths)
    assert failures == []
    context.close()


def test_finance_and_the_supervisor_read_the_books_on_a_small_phone(live_server, browser):
    family = GuardianFactory.create(first_name="محمدامیرحسین", last_name=LAST).family
    top_up(family, 12_345_678_000, "top-up:unbacked")  # a clearing posting with no payment
    place = EnrollmentFactory.create(
        family=family,
        learner__family=family,
        offering=OfferingFactory.create(published=True, course=CourseFactory.create(title=TITLE)),
    )
    RefundRequest.objects.create(
        family=family,
        amount=1_000_000,
        sheba="IR062960000000100324200001",
        account_holder=LAST,
        requested_at=timezone.now(),
    )
    assert len(reconciliation_run().mismatches) == 1
    books = [
        "/wallet/finance/ledger/",
        "/wallet/finance/ledger/?account=family_wallet&start=1300/01/01",
        f"/wallet/finance/families/{family.pk}/statement/?start=1300/01/01",
        "/wallet/finance/reconciliation/",
    ]
    _walk(browser, live_server.url, Role.FINANCE, books)
    desk = [
        "/quality/",
        "/quality/offerings/",
        "/quality/attendance/",
        "/quality/service-events/",
        "/quality/refunds/",
    ]
    _walk(browser, live_server.url, Role.QUALITY, [*desk, *books])
    assert place.offering.course.title == TITLE
