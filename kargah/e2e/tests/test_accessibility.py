"""Accessible on a phone (issue 9, item 10): axe-core finds no serious or critical violation
on the family's pages, the main buttons are at least 44×44 CSS px and body text 16 px."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from kargah.accounts.tests.factories import CenterFactory, GuardianFactory, LearnerFactory
from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import CategoryFactory, CourseFactory, OfferingFactory
from kargah.e2e.browser import serious_axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.5.5 (target size, enhanced): 44×44 CSS px.
TOUCH_PX = 44
# The main actions on each page, measured for their size: buttons, the menu button, and the
# labels of check boxes and radios (a finger touches the label, which checks the box).
MAIN_ACTIONS = "main .btn:visible, .navbar-toggler:visible, main .form-check-input:visible + label"


def _offering() -> Offering:
    center = CenterFactory.create(
        name="مرکز کانون شهر نمونه"
    )  # not the reference data's virtual center
    course = CourseFactory.create(
        title="کارگاه نقاشی آبرنگ",
        center=center,
        category=CategoryFactory.create(name="هنری"),
        session_count=6,
    )
    return OfferingFactory.create(
        course=course,
        published=True,
        fee_rials=4_500_000,
        capacity=10,
        quorum=2,
        weekly_pattern=[{"weekday": 2, "start": "16:30"}],
    )


@pytest.fixture
def family_pages(live_server, phone: BrowserContext) -> list[str]:
    """The pages of a family's path: catalog, an offering, registration, wallet, documents."""
    offering = _offering()
    guardian = GuardianFactory.create(first_name="مریم", last_name="احمدی")
    child = LearnerFactory.create(family=guardian.family, first_name="آرش", last_name="احمدی")
    sign_in(phone, live_server.url, guardian)
    return [
        "/catalog/",
        f"/catalog/{offering.pk}/",
        f"/enroll/{offering.pk}/",
        "/enroll/wallet/",
        "/documents/",
        f"/documents/upload/{child.pk}/{offering.course_id}/",
    ]


def test_axe_finds_no_serious_or_critical_violation_on_the_family_pages(
    live_server, page: Page, family_pages: list[str]
):
    found = {}
    for path in family_pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        violations = serious_axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_axe_finds_no_serious_violation_for_a_visitor(live_server, page: Page):
    offering = _offering()
    found = {}
    for path in ("/", "/catalog/", f"/catalog/{offering.pk}/", "/accounts/sign-in/"):
        page.goto(live_server.url + path)
        violations = serious_axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_main_actions_are_44_px_touch_targets_and_body_text_16_px(
    live_server, page: Page, family_pages: list[str]
):
    small = []
    for path in family_pages:
        page.goto(live_server.url + path)
        font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font_px >= 16, (path, font_px)
        targets = page.locator(MAIN_ACTIONS)
        assert targets.count() > 0, path
        for index in range(targets.count()):
            target = targets.nth(index)
            box = target.bounding_box()
            assert box is not None
            if box["width"] < TOUCH_PX - 0.5 or box["height"] < TOUCH_PX - 0.5:
                html = target.evaluate("element => element.outerHTML.slice(0, 120)")
                small.append((path, round(box["width"]), round(box["height"]), html))
    assert small == []


def test_the_phone_menu_opens_and_closes_without_bootstrap_s_bundle(
    live_server, page: Page, family_pages: list[str], artifacts: Path
):
    page.goto(live_server.url + "/catalog/")
    # The one script of the page is ours (issue 9, item 7): no Bootstrap bundle, no htmx.
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    assert [src.rsplit("/", 1)[-1] for src in scripts] == ["kargah.js"]
    toggler = page.locator(".navbar-toggler")
    wallet = page.locator('#main-nav a[href="/enroll/wallet/"]')
    assert not wallet.is_visible()
    toggler.click()
    assert wallet.is_visible()
    assert toggler.get_attribute("aria-expanded") == "true"
    page.goto(live_server.url + family_pages[2])  # registration: the labelled check boxes
    page.screenshot(path=str(artifacts / "e2e-a11y-register.png"), full_page=True)
    toggler.click()
    toggler.click()
    assert not wallet.is_visible()
    assert toggler.get_attribute("aria-expanded") == "false"
