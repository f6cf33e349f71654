"""On a 390×844 phone, in Persian (issue 9, finding 1; R1: documents are handed in only
online): a guardian adds money to the wallet at the (sandbox) bank, finds a class that asks
for a document in the catalog, hands the document in from the registration page (a picture,
with the upload's progress shown), comes straight back and registers; the place waits for
the documents' approval; staff approve it and the child is registered. Every page the walk
shows, the family's and the staff's, is checked as it loads: money in one unit without
fractions, and nothing wider than the phone with long names (kargah.e2e.browser.PageWatch)."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

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
from kargah.e2e.browser import sign_in, watch, watch_every_page
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.payments.models import PaymentAttempt, PaymentStatus
from kargah.wallet.selectors import wallet_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEE = 4_500_000  # Rials: ۴۵۰٬۰۰۰ Toman on the pages
CONSENT = "رضایت‌نامهٔ کتبی پدر یا مادر یا سرپرست قانونی برای شرکت در کارگاه‌های برخط"
# Long names, as families and centers write them: the pages must wrap them, not scroll.
TITLE = "کارگاه تصویرسازی داستان‌های شاهنامهٔ فردوسی برای نوجوانان علاقه‌مند به هنرهای تجسمی"
LAST = "عبدالحسینی‌طباطبایی‌نژاد اصفهانی‌زاده‌کرمانشاهی"
GUARDIAN_FIRST = "فاطمه‌زهراسادات"
CHILD_FIRST = "محمدامیرحسین"
PHONE_WIDTH = 390

# Counts what the upload's progress bar showed when the request ended (sessionStorage
# survives the redirect back to the registration page).
RECORD_PROGRESS = """
document.addEventListener("htmx:afterRequest", function (event) {
  var box = event.target.querySelector && event.target.querySelector("[data-upload-progress]");
  if (box) sessionStorage.setItem("upload-progress", box.getAttribute("aria-valuenow"));
});
"""


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
    guardian = GuardianFactory.create(first_name=GUARDIAN_FIRST, last_name=LAST)
    child = LearnerFactory.create(family=guardian.family, first_name=CHILD_FIRST, last_name=LAST)
    assert len(guardian.get_full_name()) >= 40 and len(child.full_name) >= 40
    sign_in(phone, live_server.url, guardian)
    phone.add_init_script(RECORD_PROGRESS)
    pages = watch_every_page(phone, width=PHONE_WIDTH)
    failures = watch(page)

    # The wallet first: the fee, in Toman (the site's one unit), added at the bank.
    page.goto(f"{live_server.url}/enroll/wallet/")
    page.locator("#top-up-amount").fill("۴۵۰٬۰۰۰")
    page.get_by_test_id("top-up-submit").click()
    page.wait_for_url("**/payments/sandbox/**")
    bank = urlsplit(page.url).path
    assert page.get_by_test_id("sandbox-amount").inner_text().strip() == "۴۵۰٬۰۰۰ تومان"
    page.get_by_test_id("sandbox-pay").click()

    # The payment's result: back on the wallet, with the bank's answer and the balance.
    page.wait_for_url("**/enroll/wallet/")
    assert "۴۵۰٬۰۰۰ تومان" in page.locator("main .alert-success").inner_text()
    assert "۴۵۰٬۰۰۰ تومان" in page.get_by_test_id("wallet-balance").inner_text()
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
    assert wallet_balance(family=guardian.family) == FEE

    # The catalog, the class's page, and from there registration: the document the class
    # asks for, with an upload from the camera or a file.
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_test_id("offering-card").get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/catalog/{offering.pk}/")
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
    page.screenshot(path=str(artifacts / "e2e-documents-uploaded.png"), full_page=True)

    # Registering now: paid from the wallet, the place waits for the document's approval.
    page.locator("#id_accept_terms").check()
    page.get_by_test_id("register-submit").click()
    page.wait_for_url("**/enroll/schedule/")
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.AWAITING_APPROVAL

    # The documents page: the child's class, with its document awaiting review.
    page.goto(f"{live_server.url}/documents/")
    item = page.get_by_test_id("course-needs")
    assert item.count() == 1 and CHILD_FIRST in item.inner_text()

    # The center's staff approve it, on their phone too.
    staff = StaffFactory.create(center=offering.center, first_name=GUARDIAN_FIRST, last_name=LAST)
    staff_phone = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
    )
    try:
        sign_in(staff_phone, live_server.url, staff)
        staff_pages = watch_every_page(staff_phone, width=PHONE_WIDTH)
        staff_page = staff_phone.new_page()
        staff_failures = watch(staff_page)
        staff_page.goto(f"{live_server.url}/documents/review/")
        row = staff_page.get_by_test_id("review-row")
        assert row.count() == 1 and CONSENT in row.inner_text()
        row.locator("select[name=decision]").select_option("approve")
        row.locator("button").click()
        staff_page.wait_for_url("**/documents/review/")
        staff_page.locator("main .alert-success").wait_for()
        staff_page.evaluate("1")  # the last page's report is in before the phone closes
        assert staff_failures == []
        assert staff_pages.problems == []
        assert staff_pages.paths() == {"/documents/review/"}
    finally:
        staff_phone.close()
    document.refresh_from_db()
    enrollment.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    assert enrollment.status == EnrollmentStatus.CONFIRMED

    # The family sees the child registered, the document approved and the fee paid.
    page.goto(f"{live_server.url}/enroll/schedule/")
    card = page.get_by_test_id("enrollment-card")
    assert card.count() == 1 and CHILD_FIRST in page.inner_text("main")
    page.goto(f"{live_server.url}/documents/")
    assert page.get_by_test_id("course-needs").locator(".text-bg-success").count() == 1
    page.screenshot(path=str(artifacts / "e2e-documents-approved.png"), full_page=True)
    page.goto(f"{live_server.url}/enroll/wallet/")
    assert page.get_by_test_id("wallet-entry").count() == 2  # the top-up and the fee
    assert "۰ تومان" in page.get_by_test_id("wallet-balance").inner_text()
    page.evaluate("1")
    assert failures == []

    # Every page of the walk was checked, the upload's swapped-in answer too, and none
    # showed the other unit, a fraction of one, or anything wider than the phone.
    assert pages.problems == []
    walked = {
        "/enroll/wallet/",  # the wallet, and the payment's result
        bank,  # the bank page
        "/catalog/",
        f"/catalog/{offering.pk}/",  # the offering
        f"/enroll/{offering.pk}/",  # registration, where the document is handed in
        "/enroll/schedule/",  # my classes
        "/documents/",
    }
    assert walked <= pages.paths(), walked - pages.paths()
    assert any(report["when"] == "htmx" for report in pages.seen)
    assert any("۴۵۰٬۰۰۰ تومان" in text for text in pages.texts(bank))


def test_the_page_watch_sees_the_other_unit_a_fraction_and_a_page_too_wide(
    phone: BrowserContext, page: Page
):
    """The control of the walk's check: a page (served by the browser itself) with what
    issue 9 found, an amount in Rials, a fraction of a Toman and a name wider than the
    phone, is reported; a page without them is not."""
    pages = watch_every_page(phone, width=PHONE_WIDTH)
    bad = (
        "<!doctype html><meta name=viewport content='width=device-width'><body>"
        "<p>شهریه: ۱۲٬۵۰۰٬۰۰۰ ریال</p><p>۲۲۹٬۹۹۹٫۵ تومان</p>"
        f"<div style='width:600px'>{LAST}</div></body>"
    )
    good = (
        "<!doctype html><meta name=viewport content='width=device-width'><body>"
        f"<p>شهریه: ۱٬۲۵۰٬۰۰۰ تومان</p><p>{LAST}</p></body>"
    )
    served = {"/bad.html": bad, "/good.html": good}
    page.route(
        "http://kargah.test/**",
        lambda route: route.fulfill(
            body=served[urlsplit(route.request.url).path],
            content_type="text/html; charset=utf-8",
        ),
    )
    for path in served:
        page.goto(f"http://kargah.test{path}")
    page.evaluate("1")
    assert pages.paths() == {"/bad.html", "/good.html"}
    assert pages.problems == [
        "/bad.html (load): a fraction: «۲۲۹٬۹۹۹٫۵ تومان»",
        "/bad.html (load): «ریال» on a site that shows money in «تومان»",
        "/bad.html (load) scrolls sideways: 608 > 390",
        "/bad.html (load) is laid out 608 px wide",
    ]
