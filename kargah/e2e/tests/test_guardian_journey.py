"""A guardian on a phone signs in with an SMS code and adds a child, all in Persian."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Page

from kargah.accounts.demo import national_code_for
from kargah.accounts.models import Learner, Province
from kargah.accounts.tests.factories import ProvinceFactory
from kargah.core.persian import to_latin_digits, to_persian_digits
from kargah.e2e.browser import assert_no_sideways_scroll, watch
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.sms.fake import FakeSmsProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guardian_signs_in_and_adds_a_child_on_a_phone(
    live_server, page: Page, sms: FakeSmsProvider, artifacts: Path
):
    province = cast(Province, ProvinceFactory(code="tehran", name="تهران"))
    national_code = national_code_for(5)

    # Every asset and page must load; nothing may come from outside the live server.
    failures = watch(page)

    # Home page → sign-in.
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    assert_no_sideways_scroll(page)
    page.locator('main a[href="/accounts/sign-in/"]').click()
    page.wait_for_url("**/accounts/sign-in/")

    # The mobile number typed with Persian digits.
    page.locator("#id_mobile").press_sequentially("۰۹۱۲۱۲۳۴۵۶۷")
    page.locator('main button[type="submit"]').click()
    page.wait_for_url("**/accounts/sign-in/code/")
    # The number is shown back in Persian digits.
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page.locator("main").inner_text()

    # The code went out through the outbox after the request's transaction committed.
    assert len(sms.sent) == 1, "the sign-in code was queued but not sent after commit"
    assert sms.sent[0].recipient == "+989121234567"
    code_match = re.search(r"\d{6}", sms.sent[0].body)  # \d also matches Persian digits
    assert code_match, sms.sent[0].body
    code = to_latin_digits(code_match.group())
    otp = OutboxMessage.objects.get(kind="otp")
    assert otp.status == OutboxStatus.SENT
    assert code not in otp.body  # blanked once sent

    page.locator("#id_code").press_sequentially(to_persian_digits(code))
    page.locator('main button[type="submit"]').click()
    page.wait_for_url("**/accounts/family/")

    # Add a child.
    page.locator('a[href="/accounts/family/learners/add/"]').click()
    page.wait_for_url("**/accounts/family/learners/add/")
    assert_no_sideways_scroll(page)
    page.locator("#id_first_name").fill("نازنین")
    page.locator("#id_last_name").fill("رضایی")
    page.locator("#id_birth_date").press_sequentially("۱۳۹۵/۰۴/۱۲")
    page.locator("#id_national_code").press_sequentially(to_persian_digits(national_code))
    page.locator("#id_gender").select_option("girl")
    page.locator("#id_province").select_option(str(province.pk))
    page.locator("#id_school_grade").select_option("3")
    page.locator("#id_data_confirmed").check()
    page.locator('main button[type="submit"]').click()
    page.wait_for_url("**/accounts/family/")

    # The family page shows the child with a Jalali birth date in Persian.
    card = page.locator('[data-testid="learner-card"]')
    assert card.count() == 1
    card_text = card.inner_text()
    assert "نازنین رضایی" in card_text
    assert "۱۲ تیر ۱۳۹۵" in card_text
    assert not re.search("[0-9]", card_text), card_text  # no Latin digits anywhere on the card
    assert page.locator("html").get_attribute("dir") == "rtl"

    learner = Learner.objects.get()
    assert learner.national_code == national_code
    assert learner.birth_date.isoformat() == "2016-07-02"
    assert learner.family.guardian.mobile == "+989121234567"

    # Vazirmatn is loaded (from /static, not a CDN) and Bootstrap's RTL sheet is applied.
    page.evaluate("document.fonts.ready")
    vazirmatn_loaded = page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/[\"']/g, '') === 'Vazirmatn'"
        " && f.status === 'loaded')"
    )
    assert vazirmatn_loaded
    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href || '')")
    assert any(s.endswith("/static/vendor/bootstrap/css/bootstrap.rtl.min.css") for s in sheets)
    assert all(s == "" or s.startswith(live_server.url) for s in sheets), sheets
    primary = page.locator('a.btn-primary[href="/accounts/family/learners/add/"]')
    # Bootstrap's button in Kargah's own primary colour (static/css/kargah.css, issue 9 item 11).
    assert primary.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(185, 61, 11)"
    assert_no_sideways_scroll(page)

    page.screenshot(path=str(artifacts / "e2e-family.png"), full_page=True)
    assert failures == []
