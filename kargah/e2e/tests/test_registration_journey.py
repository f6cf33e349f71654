"""On a phone, in Persian: a guardian registers a child for an open workshop, pays in the
sandbox bank (marked as test mode) and finds the class in the family's schedule with Jalali
dates; another guardian drops a class before the deadline and sees the credit in the wallet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import BrowserContext, Page

from kargah.accounts.tests.factories import CenterFactory, GuardianFactory, LearnerFactory
from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import CategoryFactory, CourseFactory, OfferingFactory
from kargah.core.persian import format_jalali_date, format_weekday
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.enrollment import services_registration
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import top_up
from kargah.payments.models import PaymentAttempt, PaymentStatus
from kargah.wallet.selectors import ledger_is_balanced, wallet_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEE = 4_500_000  # Rials: ۴۵۰٬۰۰۰ Toman on the pages
LATIN_DIGIT = re.compile("[0-9]")
ISOLATES = str.maketrans("", "", "\u2066\u2069")


def _workshop(title: str, weekday: int) -> Offering:
    center = CenterFactory.create(name="مرکز مجازی کانون")
    course = CourseFactory.create(
        title=title, center=center, category=CategoryFactory.create(name="ادبی"), session_count=6
    )
    return OfferingFactory.create(
        course=course,
        published=True,
        fee_rials=FEE,
        capacity=10,
        quorum=2,
        weekly_pattern=[{"weekday": weekday, "start": "16:30"}],
    )


def test_a_guardian_registers_pays_in_the_sandbox_and_sees_the_schedule(
    live_server, phone: BrowserContext, page: Page, artifacts: Path
):
    offering = _workshop("کارگاه داستان‌نویسی", weekday=2)
    guardian = GuardianFactory.create(first_name="مریم", last_name="احمدی")
    child = LearnerFactory.create(family=guardian.family, first_name="آرش", last_name="احمدی")
    sign_in(phone, live_server.url, guardian)
    failures = watch(page)

    # The workshop's page: the register button.
    page.goto(f"{live_server.url}/catalog/{offering.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_test_id("register-link").is_visible()  # near the top on a phone
    page.screenshot(path=str(artifacts / "e2e-offering.png"))
    page.get_by_test_id("register-link").click()
    page.wait_for_url(f"**/enroll/{offering.pk}/")
    assert_no_sideways_scroll(page)

    # The form: the child, the fee (all of it at the bank: the wallet is empty), the
    # conditions with their version, and the checkbox that accepts them (R2).
    split = page.get_by_test_id("payment-split").inner_text().translate(ISOLATES)
    assert "۴۵۰٬۰۰۰" in split and not LATIN_DIGIT.search(split), split
    assert "۱" in page.get_by_test_id("conditions-version").inner_text()  # version 1
    assert page.get_by_test_id("conditions").is_visible()
    assert page.locator(f"#learner-{child.pk}").is_checked()  # the only child, chosen
    page.screenshot(path=str(artifacts / "e2e-register.png"), full_page=True)
    page.locator("#id_accept_terms").check()
    page.get_by_test_id("register-submit").click()

    # The sandbox bank: clearly a test, with the amount in Persian digits.
    page.wait_for_url("**/payments/sandbox/**")
    assert page.get_by_test_id("sandbox-banner").is_visible()
    assert "۴۵۰٬۰۰۰ تومان" in page.get_by_test_id("sandbox-amount").inner_text()  # issue 9
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
    assert enrollment.hold_expires_at is not None
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "e2e-sandbox-bank.png"), full_page=True)
    page.get_by_test_id("sandbox-pay").click()

    # Back on Kargah: the family's schedule, with the class confirmed.
    page.wait_for_url("**/enroll/schedule/")
    card = page.get_by_test_id("enrollment-card")
    assert card.count() == 1
    assert "کارگاه داستان‌نویسی" in card.inner_text()
    assert page.locator("main .alert-success").count() == 1  # "payment received"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
    assert wallet_balance(family=guardian.family) == 0
    assert ledger_is_balanced()

    # The next sessions: Jalali date, weekday and Tehran time, in Persian digits.
    sessions = page.get_by_test_id("session")
    assert sessions.count() == 3
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    first_text = sessions.first.inner_text()
    with translation.override("fa"):
        assert format_jalali_date(first.starts_at, long=True) in first_text
        assert format_weekday(first.starts_at) in first_text
    assert "۱۶:۳۰" in first_text
    listing = page.get_by_test_id("next-sessions").inner_text()
    assert not LATIN_DIGIT.search(listing), listing
    assert page.get_by_test_id("drop-button").is_visible()
    assert "آرش احمدی" in page.get_by_test_id("child-schedule").inner_text()
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "e2e-schedule.png"), full_page=True)
    assert failures == []


def test_a_guardian_drops_a_class_and_sees_the_wallet_credit(
    live_server, phone: BrowserContext, page: Page, artifacts: Path
):
    offering = _workshop("کارگاه نقاشی با آبرنگ", weekday=3)
    guardian = GuardianFactory.create(first_name="زهرا", last_name="کریمی")
    child = LearnerFactory.create(family=guardian.family, first_name="نیلوفر", last_name="کریمی")
    top_up(guardian.family, FEE)
    enrollment = services_registration.enrollment_create(
        guardian=guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert wallet_balance(family=guardian.family) == 0
    sign_in(phone, live_server.url, guardian)
    failures = watch(page)

    # From the menu (collapsed on a phone) to "My classes".
    page.goto(live_server.url + "/")
    page.locator(".navbar-toggler").click()
    page.locator('#main-nav a[href="/enroll/schedule/"]').click()
    page.wait_for_url("**/enroll/schedule/")
    deadline = page.get_by_test_id("drop-deadline").inner_text()
    assert re.search("[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", deadline), deadline  # a Jalali date
    page.get_by_test_id("drop-button").click()

    # The confirmation step says what comes back to the wallet.
    page.wait_for_url(f"**/enroll/registrations/{enrollment.pk}/drop/")
    assert "۴۵۰٬۰۰۰" in page.get_by_test_id("drop-credit").inner_text()
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "e2e-drop-confirm.png"), full_page=True)
    page.get_by_test_id("drop-confirm").click()

    # The wallet: the credit on top of the history, and the balance.
    page.wait_for_url("**/enroll/wallet/")
    balance = page.get_by_test_id("wallet-balance").inner_text()
    assert "۴۵۰٬۰۰۰" in balance and not LATIN_DIGIT.search(balance), balance
    newest = page.get_by_test_id("wallet-entry").first
    assert "+۴۵۰٬۰۰۰" in newest.get_by_test_id("wallet-entry-amount").inner_text().translate(
        ISOLATES
    )
    when = newest.get_by_test_id("wallet-entry-when").inner_text()
    assert re.search("[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", when) and not LATIN_DIGIT.search(when), when
    assert page.get_by_test_id("wallet-entry").count() == 3  # top-up, payment, credit
    assert page.get_by_test_id("refund-link").is_visible()
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "e2e-wallet.png"), full_page=True)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.DROPPED
    assert wallet_balance(family=guardian.family) == FEE
    assert ledger_is_balanced()

    # Back in the schedule the class has no buttons any more.
    page.goto(live_server.url + "/enroll/schedule/")
    assert page.get_by_test_id("drop-button").count() == 0
    assert page.get_by_test_id("past-enrollment").count() == 1
    assert failures == []
