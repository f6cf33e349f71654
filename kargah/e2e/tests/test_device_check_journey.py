"""The device check in Chromium with a fake camera and microphone (issue 10, item 5): on a
390×844 phone a guardian runs the check for a child, every step passes, the result is kept
and the family page shows it; the page does not scroll sideways and axe-core finds no
serious or critical violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.devicecheck.models import DeviceCheck
from kargah.e2e.browser import (
    assert_no_sideways_scroll,
    serious_axe_violations,
    sign_in,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guardian_passes_the_device_check_for_a_child(
    live_server, media_phone: BrowserContext, artifacts: Path
) -> None:
    guardian = GuardianFactory.create()
    child = LearnerFactory.create(family=guardian.family, first_name="آرمیتا", last_name="کاظمی")
    sign_in(media_phone, live_server.url, guardian)
    page = media_phone.new_page()
    failures = watch(page)

    page.goto(f"{live_server.url}/accounts/family/")
    card = page.get_by_test_id("learner-device-check")
    assert card.get_by_test_id("devicecheck-status").get_attribute("data-current") == "false"
    card.get_by_role("link", name="بررسی دستگاه").click()
    page.wait_for_url(lambda url: "/device-check/" in url)

    assert page.get_by_test_id("devicecheck-browser").get_attribute("data-ok") == "true"
    assert_no_sideways_scroll(page)
    violations = serious_axe_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)

    page.get_by_role("button", name="روشن کردن دوربین و میکروفون").click()
    page.get_by_text("شما را می‌بینیم!").wait_for()
    page.get_by_text("صدایتان را می‌شنویم!").wait_for()
    assert page.evaluate("document.querySelector('[data-part=preview] video').videoWidth") > 0

    page.get_by_role("button", name="پخش صدای آزمایشی").click()
    page.get_by_label("صدای آزمایشی را شنیدم").check()

    page.get_by_role("button", name="آزمایش اینترنت من").click()
    page.get_by_text("رفت‌وبرگشت").wait_for()
    assert int(page.input_value("[name=download_kbps]")) > 0

    # The help video and its Persian captions are ours and load.
    video = page.get_by_test_id("devicecheck-help-video")
    page.locator("details summary").click()
    assert video.locator("track[srclang=fa]").count() == 1
    page.screenshot(path=str(artifacts / "device-check.png"), full_page=True)

    page.get_by_role("button", name="ذخیره‌ی نتیجه").click()
    page.wait_for_url("**/accounts/family/")
    status = page.get_by_test_id("learner-device-check").get_by_test_id("devicecheck-status")
    assert status.get_attribute("data-current") == "true"
    assert_no_sideways_scroll(page)

    check = DeviceCheck.objects.get(learner=child)
    assert check.passed and check.camera_ok and check.microphone_ok and check.speaker_ok
    assert check.browser_ok and check.connection_ok and check.checked_by == guardian
    assert not failures, failures
