"""The family's inbox, its unread badge and the choice of channels on a 360 px phone: counts
in Persian digits, Jalali dates, no English, nothing wider than the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page

from kargah.accounts.models import User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.e2e.browser import assert_no_sideways_scroll, serious_axe_violations, sign_in, watch
from kargah.notifications.models import InboxItem, NotificationPreference
from kargah.notifications.selectors_inbox import kinds_by_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LATIN_DIGIT = re.compile(r"[0-9]")
# A Jalali date as the pages write it: «۱۴۰۵/۰۹/۱۱».
JALALI_DATE = re.compile(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _main_text(page: Page) -> str:
    return (
        page.locator("main").inner_text()
        if page.locator("main").count()
        else page.inner_text("body")
    )


def _badge(page: Page) -> str:
    small = page.locator('[data-testid="unread-badge-small"]')
    return small.inner_text() if small.count() else ""


def _guardian_with_inbox() -> tuple[User, InboxItem]:
    guardian = GuardianFactory.create()
    now = timezone.now()
    linked = InboxItem.objects.create(
        user=guardian, kind="staff_message", title="کلاس نقاشی فردا ساعت ۱۰ برگزار می‌شود",
        body="کودک شما فردا ساعت ۱۰ صبح کلاس دارد. برای دیدن برنامه، پیوند را باز کنید.",
        link=reverse("notifications:preferences"), created_at=now - timedelta(hours=1),
    )  # fmt: skip
    InboxItem.objects.create(
        user=guardian, kind="staff_message", title="شهریه دوره پرداخت شد",
        body="پرداخت شما ثبت شد.", created_at=now - timedelta(hours=2),
    )  # fmt: skip
    InboxItem.objects.create(
        user=guardian, kind="staff_message", title="به کارگاه خوش آمدید",
        body="حساب خانواده شما ساخته شد.", created_at=now - timedelta(days=3),
        read_at=now - timedelta(days=2),
    )  # fmt: skip
    User.objects.filter(pk=guardian.pk).update(inbox_unread=2)
    return guardian, linked


def _persian_page(page: Page) -> None:
    """Right to left, no English word and no Latin digit in what the person reads."""
    assert page.get_attribute("html", "dir") == "rtl"
    text = _main_text(page)
    assert not LATIN_WORD.findall(text), LATIN_WORD.findall(text)
    assert not LATIN_DIGIT.findall(text), text
    assert_no_sideways_scroll(page)


def test_the_inbox_and_preferences_on_a_phone(live_server, phone: Page, artifacts: Path):
    guardian, linked = _guardian_with_inbox()
    sign_in(phone.context, live_server.url, guardian)
    failures = watch(phone)
    base = live_server.url

    # The header, menu folded: the count stays in sight, in Persian digits.
    phone.goto(base + "/")
    badge = phone.locator('[data-testid="unread-badge-small"]')
    assert badge.is_visible()
    assert "۲" in badge.inner_text() and "2" not in badge.inner_text()
    phone.screenshot(path=str(artifacts / "inbox-phone-header.png"))

    # The inbox.
    badge.click()
    phone.wait_for_url(re.compile(r"/messages/$"))
    rows = phone.locator('[data-testid="inbox-row"]')
    assert rows.count() == 3
    assert phone.locator('[data-testid="inbox-row"][data-unread]').count() == 2
    text = _main_text(phone)
    assert len(JALALI_DATE.findall(text)) == 3, text
    _persian_page(phone)
    spilled = phone.eval_on_selector_all(
        '[data-testid="inbox-row"]',
        "rows => rows.filter(r => r.scrollWidth > r.clientWidth + 1).length",
    )
    assert spilled == 0
    phone.screenshot(path=str(artifacts / "inbox-phone-list.png"), full_page=True)
    assert serious_axe_violations(phone) == []

    # One message opened: read, the badge goes down, its link is offered.
    phone.get_by_text(linked.title).click()
    phone.wait_for_selector('[data-testid="inbox-item"]')
    _persian_page(phone)
    assert JALALI_DATE.search(_main_text(phone))
    assert "۱" in _badge(phone)
    assert phone.locator('[data-testid="inbox-item"] a.btn').get_attribute("href") == linked.link
    phone.screenshot(path=str(artifacts / "inbox-phone-item.png"), full_page=True)
    assert serious_axe_violations(phone) == []
    linked.refresh_from_db()
    assert linked.read_at is not None

    # Mark all read: no unread left, no badge, a Persian confirmation.
    phone.goto(base + reverse("notifications:inbox"))
    phone.click('[data-testid="read-all"]')
    phone.wait_for_url(re.compile(r"/messages/$"))
    assert phone.locator('[data-testid="inbox-row"][data-unread]').count() == 0
    assert phone.locator('[data-testid="unread-badge-small"]').count() == 0
    assert phone.locator('[data-testid="read-all"]').count() == 0
    assert "همهٔ پیام‌ها خوانده‌شده" in _main_text(phone)
    _persian_page(phone)
    phone.screenshot(path=str(artifacts / "inbox-phone-all-read.png"), full_page=True)
    assert InboxItem.objects.filter(user=guardian, read_at__isnull=True).count() == 0
    guardian.refresh_from_db()
    assert guardian.inbox_unread == 0

    # Preferences: cancellations locked on SMS; one choice and the e-mail changed and saved.
    phone.goto(base + reverse("notifications:preferences"))
    _persian_page(phone)
    phone.screenshot(path=str(artifacts / "inbox-phone-preferences.png"), full_page=True)
    # One word for e-mail on the page, the one the family uses («ایمیل»).
    assert "رایانامه" not in _main_text(phone)
    assert serious_axe_violations(phone) == []
    locked = phone.locator('[data-testid="group-cancellations"] input[name="cancellations_sms"]')
    assert locked.is_checked() and locked.is_disabled()
    refunds_email = phone.locator('input[name="refunds_email"]')
    assert not refunds_email.is_checked()
    refunds_email.check()
    phone.fill('input[name="email"]', "parent@example.com")
    phone.locator('[data-testid="preferences-form"] button').click()
    phone.wait_for_load_state()
    assert "ذخیره" in _main_text(phone)
    assert phone.locator('input[name="refunds_email"]').is_checked()
    assert phone.locator('input[name="cancellations_sms"]').is_checked()
    phone.screenshot(path=str(artifacts / "inbox-phone-preferences-saved.png"), full_page=True)
    guardian.refresh_from_db()
    assert guardian.email == "parent@example.com"
    assert NotificationPreference.objects.filter(user=guardian, email=True).exists()
    cancellation_kinds = [kind.key for kind in kinds_by_group()["cancellations"]]
    assert not NotificationPreference.objects.filter(
        user=guardian, kind__in=cancellation_kinds, sms=False
    ).exists()
    assert failures == [], failures


def test_the_unfolded_menu_and_a_wrong_email_on_a_phone(live_server, phone: Page, artifacts: Path):
    """The menu unfolded still fits and shows the count once more; e-mail chosen without an
    address is refused in Persian and changes nothing."""
    guardian, _linked = _guardian_with_inbox()
    sign_in(phone.context, live_server.url, guardian)
    failures = watch(phone)
    phone.goto(live_server.url + reverse("notifications:inbox"))
    phone.click(".navbar-toggler")
    inside = phone.locator('#main-nav [data-testid="unread-badge"]')
    inside.wait_for(state="visible")
    assert "۲" in inside.inner_text()
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(artifacts / "inbox-phone-menu.png"), full_page=True)
    phone.goto(live_server.url + reverse("notifications:preferences"))
    phone.locator('input[name="documents_email"]').check()
    phone.locator('[data-testid="preferences-form"] button').click()
    phone.wait_for_load_state()
    text = _main_text(phone)
    assert "نشانی ایمیل خود را وارد کنید" in text, text
    _persian_page(phone)
    phone.screenshot(path=str(artifacts / "inbox-phone-preferences-error.png"), full_page=True)
    assert not NotificationPreference.objects.filter(user=guardian).exists()
    assert failures == [], failures
