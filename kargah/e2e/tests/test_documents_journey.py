"""On a 390×844 phone, in Persian (issue 9, finding 1; R1: documents are handed in only
online): a guardian opens the registration page of a class that asks for a document, hands
it in from that page (a picture, with the upload's progress shown), comes straight back and
registers; the place waits for the documents' approval; staff approve it and the child is
registered. No page of the walk scrolls sideways with long names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page

from kargah.accounts.tests.factories import (
    CenterFactory,
    GuardianFactory,
    LearnerFactory,
    StaffFactory,
)
from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import CategoryFactory, CourseFactory, OfferingFactory
from kargah.documents.models import Document, DocumentStatus
from kargah.e2e.browser import assert_no_sideways_scroll, sign_in, watch
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import top_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEE = 4_500_000  # Rials
CONSENT = "رضایت‌نامهٔ کتبی پدر یا مادر یا سرپرست قانونی برای شرکت در کارگاه‌های برخط"
# Long names, as families and centers write them: the pages must wrap them, not scroll.
TITLE = "کارگاه تصویرسازی داستان‌های شاهنامهٔ فردوسی برای نوجوانان علاقه‌مند به هنرهای تجسمی"
FIRST = "محمدامیرحسین"
LAST = "عبدالحسینی‌طباطبایی‌نژاد اصفهانی‌زاده‌کرمانشاهی"
PHONE_WIDTH = 390

# Counts what the upload's progress bar showed when the request ended (sessionStorage
# survives the redirect back to the registration page).
RECORD_PROGRESS = """
document.addEventListener("htmx:afterRequest", function (event) {
  var box = event.target.querySelector && event.target.querySelector("[data-upload-progress]");
  if (box) sessionStorage.setItem("upload-progress", box.getAttribute("aria-valuenow"));
});
"""


def _no_horizontal_overflow(page: Page) -> None:
    """Nothing wider than the screen; a mobile browser also widens its layout (and zooms
    out) for content that does not fit, so the width must still be the phone's."""
    widths = assert_no_sideways_scroll(page)
    assert widths["inner"] == PHONE_WIDTH, f"{page.url} is laid out wider: {widths}"


def _photo() -> bytes:
    """A phone camera's picture of the signed form (large enough for the checks)."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 1600), (250, 248, 240)).save(out, "JPEG", quality=80)
    return out.getvalue()


def _workshop() -> Offering:
    center = CenterFactory.create(name="مرکز فرهنگی‌هنری شمارهٔ دو کانون پرورش فکری اصفهان")
    course = CourseFactory.create(
        title=TITLE,
        center=center,
        category=CategoryFactory.create(name="هنری"),
        required_documents=[CONSENT],
        confirmation_waits_for_documents=True,
    )
    return OfferingFactory.create(course=course, published=True, fee_rials=FEE, capacity=10)


def test_a_guardian_hands_in_a_document_from_registration_and_the_child_is_registered(
    live_server, browser, phone: BrowserContext, page: Page, artifacts: Path, settings, tmp_path
):
    settings.KARGAH_PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    offering = _workshop()
    guardian = GuardianFactory.create(first_name=FIRST, last_name=LAST)
    child = LearnerFactory.create(family=guardian.family, first_name=FIRST, last_name=LAST)
    top_up(guardian.family, FEE)  # paid from the wallet: this walk is about the documents
    sign_in(phone, live_server.url, guardian)
    phone.add_init_script(RECORD_PROGRESS)
    failures = watch(page)

    # From the class's page to registration: the document the class asks for, with an
    # upload from the camera or a file.
    page.goto(f"{live_server.url}/catalog/{offering.pk}/")
    _no_horizontal_overflow(page)
    page.get_by_test_id("register-link").click()
    page.wait_for_url(f"**/enroll/{offering.pk}/**")
    section = page.get_by_test_id("registration-documents")
    assert section.is_visible()
    need = section.get_by_test_id("document-need")
    assert need.count() == 1 and CONSENT in need.inner_text()
    assert need.locator(".badge").inner_text().strip() == "تحویل‌نشده"  # not handed in
    file_input = need.get_by_test_id("upload-file")
    assert file_input.get_attribute("accept") == "image/*,application/pdf"
    assert file_input.get_attribute("capture") is None  # the camera or a file, not only the camera
    _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "e2e-documents-register.png"), full_page=True)

    # A file that is not a picture: the checks' answer, in Persian, next to the button.
    file_input.set_input_files(
        {"name": "consent.jpg", "mimeType": "image/jpeg", "buffer": b"<html>not a photo</html>"}
    )
    need.get_by_test_id("upload-submit").click()
    error = page.get_by_test_id("upload-error")
    error.wait_for()
    assert "JPEG" in error.inner_text() and "پذیرفته" in error.inner_text()
    assert not Document.objects.exists()
    _no_horizontal_overflow(page)

    # The photo: uploaded with its progress shown, then straight back to registration,
    # which shows it handed in.
    need = page.get_by_test_id("document-need")
    need.get_by_test_id("upload-file").set_input_files(
        {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    need.get_by_test_id("upload-submit").click()
    page.wait_for_function("sessionStorage.getItem('upload-progress') === '100'")
    page.locator("main .alert-success").wait_for()
    assert f"/enroll/{offering.pk}/" in page.url
    document = Document.objects.get()
    assert (document.learner_id, document.status) == (child.pk, DocumentStatus.SUBMITTED)
    need = page.get_by_test_id("document-need")
    assert need.get_by_test_id("upload-form").count() == 0  # handed in: nothing to upload
    assert need.locator(".badge").inner_text().strip() == "در انتظار بررسی"  # awaiting review
    assert page.locator(f"#learner-{child.pk}").is_checked()
    _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "e2e-documents-uploaded.png"), full_page=True)

    # Registering now: paid from the wallet, the place waits for the document's approval.
    page.locator("#id_accept_terms").check()
    page.get_by_test_id("register-submit").click()
    page.wait_for_url("**/enroll/schedule/")
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.AWAITING_APPROVAL
    _no_horizontal_overflow(page)

    # The documents page: the child's class, with its document awaiting review.
    page.goto(f"{live_server.url}/documents/")
    item = page.get_by_test_id("course-needs")
    assert item.count() == 1 and FIRST in item.inner_text()
    _no_horizontal_overflow(page)

    # The center's staff approve it, on their phone too.
    staff = StaffFactory.create(center=offering.center, first_name=FIRST, last_name=LAST)
    staff_phone = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
    )
    try:
        sign_in(staff_phone, live_server.url, staff)
        staff_page = staff_phone.new_page()
        staff_failures = watch(staff_page)
        staff_page.goto(f"{live_server.url}/documents/review/")
        row = staff_page.get_by_test_id("review-row")
        assert row.count() == 1 and CONSENT in row.inner_text()
        _no_horizontal_overflow(staff_page)
        row.locator("select[name=decision]").select_option("approve")
        row.locator("button").click()
        staff_page.wait_for_url("**/documents/review/")
        staff_page.locator("main .alert-success").wait_for()
        assert staff_failures == []
    finally:
        staff_phone.close()
    document.refresh_from_db()
    enrollment.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    assert enrollment.status == EnrollmentStatus.CONFIRMED

    # The family sees the child registered and the document approved.
    page.goto(f"{live_server.url}/enroll/schedule/")
    card = page.get_by_test_id("enrollment-card")
    assert card.count() == 1 and FIRST in page.inner_text("main")
    _no_horizontal_overflow(page)
    page.goto(f"{live_server.url}/documents/")
    assert page.get_by_test_id("course-needs").locator(".text-bg-success").count() == 1
    _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "e2e-documents-approved.png"), full_page=True)
    assert failures == []
