"""The device check in Chromium with a fake camera and microphone (issue 10, item 5): on a
390×844 phone a guardian runs the check for a child, every step passes, the result is kept
and the family page shows it; the page does not scroll sideways and axe-core finds no
serious or critical violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.devicecheck.models import DeviceCheck
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, new_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
# Chromium's own stand-ins: a moving test picture for the camera, a beep for the microphone,
# and "allow" answered to the permission question without a person.
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, *FAKE_MEDIA, "--autoplay-policy=no-user-gesture-required"],
        headless=True,
    )
    yield browser
    browser.close()


@pytest.fixture
def media_phone(media_browser: Browser) -> Iterator[BrowserContext]:
    context = new_phone(media_browser)
    yield context
    context.close()


def _serious_axe_violations(page: Page) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


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
    violations = _serious_axe_violations(page)
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
