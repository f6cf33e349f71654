"""The staff pages that cancel a class or a place (issue 11 item 4): a confirmation step
with a reason, only for the offering's own center (another center's is 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import OfferingStatus
from kargah.enrollment import services_registration
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, row_counts, top_up
from kargah.notifications.models import OutboxMessage
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_place(clock, gateway):
    offering = make_offering()
    child = make_child()
    top_up(child.family, FEE)
    return services_registration.enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment


def test_the_confirmation_page_counts_the_places_and_the_money(client, paid_place):
    client.force_login(StaffFactory.create(center=paid_place.offering.center))
    page = client.get(reverse("enrollment_staff:offering_cancel", args=[paid_place.offering_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert paid_place.learner.full_name in text and "۵۰۰٬۰۰۰" in text  # 5,000,000 Rials in Toman


def test_without_the_confirmation_nothing_changes(client, paid_place):
    client.force_login(StaffFactory.create(center=paid_place.offering.center))
    counts = row_counts()
    page = client.post(
        reverse("enrollment_staff:offering_cancel", args=[paid_place.offering_id]),
        {"reason": "تعطیلی"},
    )
    assert page.status_code == 200 and row_counts() == counts


def test_staff_cancel_the_class_with_a_reason(client, paid_place):
    client.force_login(StaffFactory.create(center=paid_place.offering.center))
    done = client.post(
        reverse("enrollment_staff:offering_cancel", args=[paid_place.offering_id]),
        {"reason": "تعطیلی مرکز", "confirm": "on"},
    )
    assert done.status_code == 302
    paid_place.offering.refresh_from_db()
    assert paid_place.offering.status == OfferingStatus.CANCELLED
    assert wallet_balance(family=paid_place.family) == FEE
    assert OutboxMessage.objects.filter(kind="offering_cancelled").count() == 1


def test_staff_cancel_one_place(client, paid_place):
    client.force_login(StaffFactory.create(center=paid_place.offering.center))
    url = reverse("enrollment_staff:enrollment_cancel", args=[paid_place.pk])
    assert client.get(url).status_code == 200
    done = client.post(url, {"reason": "جابه‌جایی به گروه دیگر", "confirm": "on"})
    assert done.status_code == 302
    paid_place.refresh_from_db()
    assert paid_place.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=paid_place.family) == FEE


@pytest.mark.parametrize("name", ["offering_cancel", "enrollment_cancel"])
def test_another_centers_staff_get_404_and_a_guardian_403(client, paid_place, name):
    arg = paid_place.offering_id if name == "offering_cancel" else paid_place.pk
    url = reverse(f"enrollment_staff:{name}", args=[arg])
    counts = row_counts()
    client.force_login(StaffFactory.create())
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    client.force_login(paid_place.family.guardian)
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    assert row_counts() == counts
