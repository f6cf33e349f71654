"""The staff desks on a phone (issue 11, item 10): each desk a center's staff, an instructor
and finance open — with long names of a center, a class, a child and an account holder —
stays on a 360 px screen: nothing wider than it, no page failing to load."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import CenterFactory, GuardianFactory, StaffFactory
from kargah.catalog.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    OfferingFactory,
    SessionFactory,
)
from kargah.e2e.browser import assert_no_sideways_scroll, serious_axe_violations, sign_in, watch
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.wallet import refunds
from kargah.wallet.tests.test_refunds import KNOWN_VALID, top_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "کانون‌پرورش‌فکری‌کودکان‌و‌نوجوانان‌استان‌چهارمحال‌و‌بختیاری"
LONG_TITLE = f"کارگاه‌نقاشی‌و‌تصویرسازی‌داستان‌های‌کهن {LONG}"
LONG_NAME = "محمدعلی‌رضا عبدالحسین‌زاده‌خراسانی‌نژاد‌اصفهانی"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fa-IR"
    )
    yield context.new_page()
    context.close()


def _walk(page: Page, base: str, paths: list[str]) -> dict[str, str]:
    """Opens each page and returns the ones wider than the screen, with their widths; a page
    that fails to load (4xx/5xx) fails the walk."""
    failures = watch(page)
    wide: dict[str, str] = {}
    for path in paths:
        page.goto(base + path)
        try:
            assert_no_sideways_scroll(page)
        except AssertionError as exc:
            wide[path] = str(exc)
    assert failures == [], failures
    return wide


def test_the_center_and_instructor_desks_fit_a_phone_with_long_names(live_server, phone: Page):
    center = CenterFactory.create(name=LONG)
    offering = OfferingFactory.create(
        published=True, center=center, course=CourseFactory.create(title=LONG_TITLE, center=center)
    )
    session = SessionFactory.create(offering=offering)
    enrollment = EnrollmentFactory.create(offering=offering)
    enrollment.learner.first_name, enrollment.learner.last_name = LONG_NAME.split(" ", 1)
    enrollment.learner.save(update_fields=["first_name", "last_name"])
    staff = StaffFactory.create(center=center, first_name=LONG_NAME)
    sign_in(phone.context, live_server.url, staff)
    paths = [
        reverse("catalog_staff:dashboard"),
        reverse("catalog_staff:offering_detail", args=[offering.pk]),
        reverse("catalog_staff:offering_change", args=[offering.pk]),
        reverse("catalog_staff:term_list"),
        reverse("catalog_staff:term_detail", args=[offering.term_id]),
        reverse("catalog_staff:course_conditions", args=[offering.course_id]),
        reverse("catalog_staff:session_cancel", args=[session.pk]),
        reverse("enrollment_staff:offering_cancel", args=[offering.pk]),
        reverse("enrollment_staff:enrollment_cancel", args=[enrollment.pk]),
        reverse("teaching:roster", args=[offering.pk]),
        reverse("teaching:sheet", args=[session.pk]),
        reverse("documents:review"),
    ]
    assert _walk(phone, live_server.url, paths) == {}
    instructor = offering.instructors.get()
    sign_in(phone.context, live_server.url, instructor)
    paths = [reverse("teaching:desk"), reverse("teaching:roster", args=[offering.pk])]
    assert _walk(phone, live_server.url, paths) == {}


def test_the_finance_desk_fits_a_phone_with_a_long_account_holder(live_server, phone: Page):
    guardian = GuardianFactory.create()
    top_up(guardian.family, 5_000_000)
    refunds.refund_request(
        guardian=guardian, amount=2_000_000, sheba=KNOWN_VALID, account_holder=LONG_NAME * 2
    )
    finance = User.objects.create(username="finance-phone", role=Role.FINANCE)
    sign_in(phone.context, live_server.url, finance)
    assert _walk(phone, live_server.url, [reverse("wallet:finance_refunds")]) == {}
    assert phone.get_by_text(LONG_NAME, exact=False).count() >= 1


def test_the_outbox_desk_fits_a_phone_with_long_names_and_a_long_error(live_server, phone: Page):
    """The center's outbox: the list, the counts and spend, a failed message's page and its
    resend, with a long center, class and child name and a provider's long error."""
    center = CenterFactory.create(name=LONG)
    offering = OfferingFactory.create(
        published=True, center=center, course=CourseFactory.create(title=LONG_TITLE, center=center)
    )
    session = SessionFactory.create(offering=offering)
    guardian = EnrollmentFactory.create(offering=offering).family.guardian
    failed = OutboxMessage.objects.create(
        user=guardian, recipient=guardian.mobile or "", kind="staff_message",
        subject=f"پیامی از {LONG}", body=f"{LONG_NAME} عزیز، کلاس «{LONG_TITLE}» فردا برگزار می‌شود.",
        status=OutboxStatus.FAILED, attempts=12, last_error="ProviderError:" + "x" * 180,
    )  # fmt: skip
    OutboxMessage.objects.create(
        user=guardian, recipient=guardian.mobile or "", kind="staff_message", body="سلام",
        session=session, status=OutboxStatus.SENT, parts=2, cost_rials=2_400,
        sent_at=failed.created_at,
    )  # fmt: skip
    staff = StaffFactory.create(center=center, first_name=LONG_NAME)
    sign_in(phone.context, live_server.url, staff)
    paths = [
        reverse("notifications_staff:staff_outbox"),
        reverse("notifications_staff:staff_outbox_counts"),
        reverse("notifications_staff:staff_outbox_detail", args=[failed.pk]),
    ]
    assert _walk(phone, live_server.url, paths) == {}
    assert phone.locator("body.k-staff").count() == 1
    found = {}
    for path in paths:
        phone.goto(live_server.url + path)
        if violations := serious_axe_violations(phone):
            found[path] = violations
    assert found == {}, found
    # Text that overflows to the left of a right-to-left page does not widen the document;
    # it widens the box it spills out of.
    phone.goto(live_server.url + paths[0])
    spilled = phone.eval_on_selector_all(
        '[data-testid="outbox-row"]',
        "rows => rows.filter(r => r.scrollWidth > r.clientWidth + 1).length",
    )
    assert spilled == 0
    phone.goto(live_server.url + paths[2])
    phone.click('[data-testid="outbox-resend"]')
    phone.wait_for_selector('[data-testid="outbox-resend-history"]')
    assert_no_sideways_scroll(phone)
    failed.refresh_from_db()
    assert failed.status in (OutboxStatus.PENDING, OutboxStatus.SENT)
