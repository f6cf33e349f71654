"""Playwright fixtures: Debian's Chromium on a phone-sized, Persian-speaking screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's own stand-ins: a moving test picture for the camera, a beep for the microphone,
# and "allow" answered to the permission question without a person.
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# Screenshots and other evidence of a run; git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # database calls while a loop runs unless told that this is safe. It is: the test thread
    # waits for the browser, and the live server answers from its own thread. The setting
    # is limited to the browser tests, so that other tests keep Django's protection.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(apt-get install chromium); browser tests never skip.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def media_browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Chromium with a fake camera and microphone, allowed without asking (the device
    check and the way into a class)."""
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


def new_phone(browser: Browser) -> BrowserContext:
    """A new context of the browser as a guardian's phone (the `phone` fixture's)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
        timezone_id="Asia/Tehran",
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A guardian's phone: 390×844, touch, Persian (Iran) locale and Tehran time."""
    context = new_phone(browser)
    yield context
    context.close()


@pytest.fixture
def page(phone: BrowserContext) -> Iterator[Page]:
    page = phone.new_page()
    yield page
    page.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
