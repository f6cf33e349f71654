"""On a 390×844 phone, in Persian (issue 10, item 7): an instructor opens the desk, sees
today's session with its "start the class" button, opens the roster (no national codes) and
marks attendance on the session's sheet. No page of the walk scrolls sideways."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.models import OfferingStatus
from kargah.catalog.tests.factories import (
    CourseFactory,
    InstructorFactory,
    OfferingFactory,
    SessionFactory,
)
from kargah.core.persian import to_tehran
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.teaching.models import Attendance, AttendanceStatus
from kargah.teaching.tests.conftest import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
TITLE = "کارگاه داستان‌گویی و نمایش خلاق با عروسک‌های دستی برای کودکان پیش‌دبستانی و دبستانی"
FIRST = "محمدامیرحسین"
LAST = "عبدالحسینی‌طباطبایی‌نژاد اصفهانی‌زاده‌کرمانشاهی"


def _fits(page: Page) -> None:
    widths = assert_no_sideways_scroll(page)
    assert widths["inner"] == PHONE_WIDTH, f"{page.url} is laid out wider: {widths}"


def test_an_instructor_walks_the_desk_and_marks_attendance(
    live_server, phone: BrowserContext, page: Page, artifacts: Path
):
    now = timezone.now()
    starts = to_tehran(now - dt.timedelta(minutes=10))
    if starts.date() != to_tehran(now).date():  # just after midnight: keep it today
        starts = to_tehran(now).replace(hour=0, minute=0, second=0, microsecond=0)
    instructor = InstructorFactory.create(first_name="ساره", last_name="امینی")
    offering = OfferingFactory.create(
        course=CourseFactory.create(title=TITLE, center=instructor.center),
        status=OfferingStatus.RUNNING,
        instructors=[instructor],
        with_sessions=False,
    )
    session = SessionFactory.create(
        offering=offering, number=1, starts_at=starts, ends_at=starts + dt.timedelta(minutes=90)
    )
    child = LearnerFactory.create(
        family=GuardianFactory.create().family, first_name=FIRST, last_name=LAST
    )
    place(child, offering)
    place(LearnerFactory.create(first_name="بهار"), offering)
    failures = watch(page)
    sign_in(phone, live_server.url, instructor)

    page.goto(f"{live_server.url}/desk/")
    today = page.get_by_test_id("today")
    today.get_by_text(TITLE).wait_for()
    start = today.get_by_test_id("start-class")
    assert start.get_attribute("href") == f"/class/session/{session.pk}/join/"
    _fits(page)
    page.screenshot(path=str(artifacts / "desk-today.png"), full_page=True)

    page.get_by_test_id("open-roster").first.click()
    page.get_by_test_id("roster-row").first.wait_for()
    assert page.get_by_test_id("roster-row").count() == 2
    assert child.national_code not in page.content()
    _fits(page)

    page.goto(f"{live_server.url}/desk/")
    today.get_by_test_id("open-sheet").click()
    row = page.locator(f'[data-testid="sheet-row"][data-learner="{child.pk}"]')
    row.get_by_text("غایب", exact=True).click()
    row.get_by_test_id("mark").click()
    page.get_by_text("ثبت شد").wait_for()
    row = page.locator(f'[data-testid="sheet-row"][data-learner="{child.pk}"]')
    assert "تأییدشده" in row.get_by_test_id("sheet-state").inner_text()
    _fits(page)
    page.screenshot(path=str(artifacts / "desk-sheet.png"), full_page=True)

    marked = Attendance.objects.get(session=session, learner=child)
    assert (marked.status, marked.confirmed_by) == (AttendanceStatus.ABSENT, instructor)
    assert failures == []
