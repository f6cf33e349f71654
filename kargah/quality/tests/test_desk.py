"""The quality supervisor's desk (issue 11, item 9): every page readable across centers, and
nothing changeable: POSTs to the desk, the books and the staff actions are refused and
change nothing; other roles do not see the desk."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kargah.accounts.models import Role
from kargah.accounts.tests.factories import CenterFactory
from kargah.catalog.models import Offering, OfferingStatus
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory, SessionFactory
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.sla.models import ServiceEvent, ServiceEventKind
from kargah.teaching.models import Attendance, AttendanceStatus
from kargah.wallet.models import LedgerTransaction, RefundRequest, RefundStatus
from kargah.wallet.tests.test_finance_books import role_client

pytestmark = pytest.mark.django_db

PAGES = ["home", "offerings", "attendance", "service_events", "refunds"]


@pytest.fixture
def world() -> dict[str, object]:
    """Two centers' classes; one with a place, a taught session's attendance, a cancelled
    session's service event, and a family's refund request."""
    place = EnrollmentFactory.create(offering__course__title="نقاشی با آبرنگ")
    other = OfferingFactory.create(published=True, course__title="رباتیک", center=CenterFactory())
    session = SessionFactory.create(offering=place.offering)
    Attendance.objects.create(
        session=session, learner=place.learner, status=AttendanceStatus.PRESENT
    )
    ServiceEvent.objects.create(
        kind=ServiceEventKind.SESSION_CANCELLED,
        offering=other,
        cause="center_decision",
        at=timezone.now(),
    )
    refund = RefundRequest.objects.create(
        family=place.family,
        amount=1_000_000,
        sheba="IR062960000000100324200001",
        account_holder="سارا محمدی",
        requested_at=timezone.now(),
    )
    return {"place": place, "other": other, "refund": refund}


def test_the_supervisor_reads_every_page_across_centers(world):
    client = role_client(Role.QUALITY)
    pages = {name: client.get(reverse(f"quality:{name}")) for name in PAGES}
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(PAGES, 200)
    for page in pages.values():
        assert "k-staff" in page.content.decode()
    offerings = {o.course.title: o for o in pages["offerings"].context["offerings"]}
    assert set(offerings) == {"نقاشی با آبرنگ", "رباتیک"}  # both centers
    assert offerings["نقاشی با آبرنگ"].enrolled == 1
    attendance = list(pages["attendance"].context["offerings"])
    assert [(o.course.title, o.present, o.absent) for o in attendance] == [("نقاشی با آبرنگ", 1, 0)]
    assert [e.offering.course.title for e in pages["service_events"].context["events"]] == [
        "رباتیک"
    ]
    assert [r.pk for r in pages["refunds"].context["refunds"]] == [world["refund"].pk]
    home = pages["home"].content.decode()
    for name in PAGES[1:]:
        assert reverse(f"quality:{name}") in home
    assert (
        reverse("wallet:finance_ledger") in home
        and reverse("wallet:finance_reconciliation") in home
    )
    # No form that changes anything: the only POST forms are the shell's (sign out, language).
    for page in pages.values():
        actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', page.content.decode())
        actions += re.findall(
            r'<form[^>]*action="([^"]*)"[^>]*method="post"', page.content.decode()
        )
        assert set(actions) <= {reverse("set_language"), reverse("accounts:sign_out")}, actions


def _rows() -> tuple[int, ...]:
    return (
        Offering.objects.filter(status=OfferingStatus.CANCELLED).count(),
        Enrollment.objects.filter(status=EnrollmentStatus.CANCELLED).count(),
        RefundRequest.objects.exclude(status=RefundStatus.REQUESTED).count(),
        LedgerTransaction.objects.count(),
        ServiceEvent.objects.count(),
    )


def test_the_supervisor_changes_nothing(world):
    client = role_client(Role.QUALITY)
    before = _rows()
    place, refund = world["place"], world["refund"]
    posts = [reverse(f"quality:{name}") for name in PAGES] + [
        reverse("wallet:finance_ledger"),
        reverse("wallet:finance_reconciliation"),
        reverse("wallet:finance_reconciliation_run"),
        reverse("wallet:finance_refund_approve", args=[refund.pk]),
        reverse("wallet:finance_refund_reject", args=[refund.pk]),
        reverse("enrollment_staff:offering_cancel", args=[place.offering_id]),
        reverse("enrollment_staff:enrollment_cancel", args=[place.pk]),
    ]
    for url in posts:
        answer = client.post(url, {"reason": "آزمایش", "confirm": "on"})
        assert answer.status_code in (403, 404), url
        if url.startswith("/quality/") or "/finance/" in url:
            assert answer.status_code == 403, url
    assert _rows() == before


@pytest.mark.parametrize(
    "role",
    [
        "guardian",
        Role.INSTRUCTOR,
        Role.CENTER_STAFF,
        Role.FINANCE,
        Role.QUALITY,
        Role.ADMINISTRATOR,
    ],
)
def test_who_sees_the_desk(role, world):
    client = role_client(role)
    expected = 200 if role in (Role.QUALITY, Role.ADMINISTRATOR) else 404
    for name in PAGES:
        assert client.get(reverse(f"quality:{name}")).status_code == expected, (role, name)
    assert Client().get(reverse("quality:home")).status_code == 302  # signed out: sign in
