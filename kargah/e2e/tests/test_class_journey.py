"""The way into a live class in Chromium with a fake camera and microphone (issue 10, items
4, 5 and 6): on a 390×844 phone a guardian opens "My classes", presses the join button of a
session whose window is open, is sent to the device check (the child has none), passes it,
goes on and lands in the fake BigBlueButton's room under the child's name; the instructor,
in a second browser, starts the class from the join endpoint and appears in the room; the
classroom's callbacks and the poll record both inside. No page scrolls sideways or shows
money in the other unit; axe-core finds no serious or critical violation on the way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from kargah.accounts.tests.factories import LearnerFactory
from kargah.catalog.models import Session
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory, SessionFactory
from kargah.classroom import selectors, services
from kargah.classroom.bbb import breaker
from kargah.classroom.fakebbb import server
from kargah.classroom.models import JoinLog, PresenceInterval
from kargah.devicecheck.models import DeviceCheck
from kargah.e2e.browser import serious_axe_violations, sign_in, watch, watch_every_page
from kargah.e2e.conftest import new_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH = 390


@pytest.fixture
def fake_classroom(live_server, settings) -> Iterator[None]:
    """The fake BBB of this live server, spoken to over HTTP as a real one would be: the
    API calls, the browser's join URL and the fake's callbacks all go to the live server."""
    settings.KARGAH_BBB_URL = f"{live_server.url}/fake-bbb/bigbluebutton/"
    server.callback_transport = None
    server.reset()
    breaker.reset()
    yield
    server.reset()
    breaker.reset()


def assert_accessible(page: Page) -> None:
    violations = serious_axe_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)


def pass_the_device_check(page: Page) -> None:
    """Every step of the device check with Chromium's fake camera and microphone."""
    page.get_by_role("button", name="روشن کردن دوربین و میکروفون").click()
    page.get_by_text("شما را می‌بینیم!").wait_for()
    page.get_by_text("صدایتان را می‌شنویم!").wait_for()
    page.get_by_role("button", name="پخش صدای آزمایشی").click()
    page.get_by_label("صدای آزمایشی را شنیدم").check()
    page.get_by_role("button", name="آزمایش اینترنت من").click()
    page.get_by_text("رفت‌وبرگشت").wait_for()


def test_a_guardian_takes_a_child_into_class_and_the_instructor_starts_it(
    live_server, fake_classroom, media_browser: Browser, artifacts
) -> None:
    offering = OfferingFactory.create(published=True, with_sessions=False)
    instructor = offering.instructors.get()
    # A session that started ten minutes ago: its join window is open.
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    session: Session = SessionFactory.create(
        offering=offering, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    child = LearnerFactory.create(first_name="آرمیتا", last_name="کاظمی")
    EnrollmentFactory.create(offering=offering, learner=child)
    guardian = child.family.guardian

    family = new_phone(media_browser)
    pages = watch_every_page(family, width=PHONE_WIDTH)
    sign_in(family, live_server.url, guardian)
    page = family.new_page()
    failures = watch(page)

    # "My classes": the join button of the open session (drawn without asking the classroom).
    page.goto(f"{live_server.url}/enroll/schedule/")
    assert_accessible(page)
    assert server.create_calls() == 0
    page.get_by_test_id("join-button").click()

    # No device check yet: sent to it, with the way on to the class.
    page.wait_for_url(lambda url: "/device-check/" in url)
    assert_accessible(page)
    pass_the_device_check(page)
    page.get_by_role("button", name="ذخیره‌ی نتیجه").click()

    # Passed: on to the join endpoint, which opens the room and sends the child in.
    page.wait_for_url(lambda url: "/fake-bbb/room/" in url)
    assert DeviceCheck.objects.get(learner=child).passed
    assert "آرمیتا کاظمی" in page.get_by_test_id("me").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "class-room-learner.png"), full_page=True)
    assert server.create_calls() == 1

    # The instructor, on another device, starts the class from the join endpoint.
    teacher = new_phone(media_browser)
    sign_in(teacher, live_server.url, instructor)
    desk = teacher.new_page()
    desk_failures = watch(desk)
    desk.goto(f"{live_server.url}/class/session/{session.pk}/join/")
    desk.wait_for_url(lambda url: "/fake-bbb/room/" in url)
    assert desk.get_by_test_id("me").locator(".text-bg-primary").count() == 1  # moderator
    assert server.create_calls() == 1  # the room was open: no second create

    page.get_by_role("link", name="تازه کردن").click()
    attendees = page.get_by_test_id("attendee")
    assert attendees.count() == 2
    assert instructor.get_full_name() in page.get_by_test_id("attendees").inner_text()

    # Presence: the fake's join callbacks opened an interval for each, the instructor's
    # marked the session taught; the poll agrees they are inside.
    keys = set(
        PresenceInterval.objects.filter(session=session).values_list("person_key", flat=True)
    )
    assert keys == {f"learner-{child.pk}", f"user-{instructor.pk}"}
    session.refresh_from_db()
    assert session.taught_at is not None
    assert services.presence_poll() == 1
    assert PresenceInterval.objects.filter(session=session, left_at__isnull=True).count() == 2
    later = timezone.now() + dt.timedelta(minutes=5)
    minutes = {
        p.person_key: p.minutes for p in selectors.session_presence(session=session, now=later)
    }
    assert minutes[f"learner-{child.pk}"] >= 4
    assert minutes[f"user-{instructor.pk}"] >= 4
    assert set(JoinLog.objects.filter(session=session).values_list("outcome", "role")) == {
        ("joined", "viewer"),
        ("joined", "moderator"),
    }

    # The child leaves: the interval closes.
    page.get_by_test_id("leave").click()
    page.wait_for_url(lambda url: "/leave/" in url)
    assert PresenceInterval.objects.get(session=session, learner=child).left_at is not None

    assert not failures, failures
    assert not desk_failures, desk_failures
    assert not pages.problems, pages.problems
    assert {"/enroll/schedule/", "/device-check/"} <= pages.paths()
    teacher.close()
    family.close()
