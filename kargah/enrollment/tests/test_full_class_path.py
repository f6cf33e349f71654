"""A full class has one path (issue 9, finding 5): its registration page offers only the
waiting list, with no register-and-pay form or payment breakdown the server would refuse,
and the family sees its place in line there and on the offering page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.enrollment import services_drop, services_waitlist
from kargah.enrollment.models import WaitingListEntry
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, top_up
from kargah.enrollment.tests.test_views import confirmed_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def full(clock):
    offering = make_offering(weekday=4, capacity=1, quorum=1)
    EnrollmentFactory.create(offering=offering)
    offering.refresh_from_db()
    return offering


def _join(client, offering, learner) -> None:
    client.force_login(learner.family.guardian)
    joined = client.post(
        reverse("enrollment:waiting_list_join", args=[offering.pk]), {"learner": learner.pk}
    )
    assert joined.status_code == 302


def test_the_registration_page_of_a_full_class_offers_only_the_waiting_list(
    client, full, learner, guardian
):
    top_up(guardian.family, FEE)
    client.force_login(guardian)
    page = client.get(reverse("enrollment:register", args=[full.pk])).content.decode()
    assert 'data-testid="waiting-list-offer"' in page
    assert 'data-testid="register-form"' not in page
    assert 'data-testid="payment-split"' not in page
    assert 'data-testid="register-submit"' not in page


def test_a_refused_registration_shows_the_reason_and_only_the_waiting_list(
    client, full, learner, guardian
):
    """A family whose page was out of date (a seat looked free) posts and is refused: the
    answer keeps the reason and offers the one path left."""
    top_up(guardian.family, FEE)
    client.force_login(guardian)
    conditions = full.course.conditions.order_by("-version").first()
    refused = client.post(
        reverse("enrollment:register", args=[full.pk]),
        {"learner": learner.pk, "accept_terms": "on", "conditions_version": conditions.version},
    ).content.decode()
    assert "alert-danger" in refused
    assert 'data-testid="waiting-list-offer"' in refused
    assert 'data-testid="register-form"' not in refused


def test_a_class_with_seats_keeps_its_register_form(client, learner, guardian, clock):
    offering = make_offering(weekday=4, capacity=2, quorum=1)
    client.force_login(guardian)
    page = client.get(reverse("enrollment:register", args=[offering.pk])).content.decode()
    assert 'data-testid="register-form"' in page
    assert 'data-testid="waiting-list-offer"' not in page


def test_the_family_sees_its_place_in_line(client, full):
    first, second = make_child(first_name="نازنین"), make_child(first_name="کیان")
    _join(Client(), full, first)  # another family, in its own browser
    _join(client, full, second)
    client.get(reverse("enrollment:schedule"))  # where joining leads; shows its message

    register = client.get(reverse("enrollment:register", args=[full.pk])).content.decode()
    detail = client.get(reverse("catalog:detail", args=[full.pk])).content.decode()
    for page in (register, detail):
        assert page.count('data-testid="waiting-place"') == 1
        assert "کیان نفر ۲ در صف انتظار است." in page
        assert "نازنین" not in page  # another family's child is not named

    entry = WaitingListEntry.objects.get(learner=first)
    entry.status = "left"
    entry.save(update_fields=["status"])
    detail = client.get(reverse("catalog:detail", args=[full.pk])).content.decode()
    assert "کیان نفر ۱ در صف انتظار است." in detail


def test_a_visitor_sees_no_place_in_line(client, full):
    detail = client.get(reverse("catalog:detail", args=[full.pk])).content.decode()
    assert 'data-testid="waiting-places"' not in detail
    assert 'data-testid="waiting-list-link"' in detail


def test_a_child_offered_a_seat_from_the_list_is_offered_the_register_form(
    client, learner, guardian
):
    """The held seat makes the class look full, but the path of the family it is offered
    to is registering for it."""
    full = make_offering(weekday=4, capacity=1, quorum=1)
    taken = confirmed_place(make_child(), full)
    services_waitlist.waiting_list_join(guardian=guardian, learner=learner, offering=full)
    services_drop.enrollment_drop(guardian=taken.learner.family.guardian, enrollment=taken)
    assert WaitingListEntry.objects.get(learner=learner).status == "offered"

    client.force_login(guardian)
    page = client.get(reverse("enrollment:register", args=[full.pk])).content.decode()
    assert 'data-testid="register-form"' in page
    assert 'data-testid="waiting-list-offer"' not in page
    assert f"برای {learner.first_name} جایی باز شده است" in page
