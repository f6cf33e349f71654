"""Race tests on PostgreSQL (rule 8, issue 11 item 1): the center lowers a published
offering's capacity to the seats taken while families register at the same moment. With the
seat lock, which `offering_change_published` takes as every registration does, the change
sees every registration that decided before it: either it is refused (below the seats
taken) or the late registrations are refused (full); the seats never exceed the capacity.

The control case removes the change's seat lock only: the change then counts the seats
while a registration that already found a seat free has not yet written it, and lowers the
capacity under that registration. The database's `offering_not_oversold` check is all that
stops a capacity below the seats taken, and the family meets it as a server error."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import Offering
from kargah.catalog.services_published import offering_change_published
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.enrollment import services_registration, services_seats
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, money_is_sound, top_up
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TAKEN = 4
SEATS_LEFT = 2
FAMILIES = 3
# A registration that found a seat free takes this long to write it, so that the change,
# started a little later, falls inside that moment.
WRITING_THE_SEAT = 0.6
CHANGE_STARTS_AFTER = 0.15


@pytest.fixture
def rush(clock, monkeypatch):
    offering = make_offering(capacity=TAKEN + SEATS_LEFT, quorum=1)
    for _ in range(TAKEN):
        EnrollmentFactory.create(offering=offering)
    children = [make_child() for _ in range(FAMILIES)]
    for child in children:
        top_up(child.family, FEE)
    staff = StaffFactory.create(center=offering.center)
    real_take_seat = services_seats._take_seat

    def slow_take_seat(offering_id: int) -> None:
        time.sleep(WRITING_THE_SEAT)
        real_take_seat(offering_id)

    monkeypatch.setattr(services_seats, "_take_seat", slow_take_seat)

    def register(child):
        return lambda: services_registration.enrollment_create(
            guardian=child.family.guardian,
            learner=child,
            offering=Offering.objects.select_related("course").get(pk=offering.pk),
            accept_terms=True,
        )

    def lower_capacity():
        time.sleep(CHANGE_STARTS_AFTER)
        offering_change_published(
            actor=staff,
            offering=Offering.objects.get(pk=offering.pk),
            capacity=TAKEN,
            reason="کمبود جا در کارگاه",
        )

    return offering, [lower_capacity, *(register(child) for child in children)]


def _active(offering: Offering) -> int:
    return Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES).count()


def test_a_capacity_lowered_during_registrations_never_falls_below_the_seats(rush):
    require_postgresql()
    offering, actions = rush

    change, *registrations = run_concurrently(actions)

    offering.refresh_from_db()
    assert change in {"ok", "below_taken"}, change
    assert set(registrations) <= {"ok", "full"}, registrations  # no server error for anyone
    assert _active(offering) == offering.seats_taken <= offering.capacity
    if change == "ok":
        assert offering.capacity == TAKEN and Counter(registrations)["ok"] == 0
    else:  # a registration came first and was counted: the capacity stayed
        assert offering.capacity == TAKEN + SEATS_LEFT
        assert Counter(registrations) == {"ok": SEATS_LEFT, "full": FAMILIES - SEATS_LEFT}
    assert money_is_sound()


def test_control_without_the_changes_seat_lock_the_capacity_drops_under_a_registration(
    rush, monkeypatch
):
    require_postgresql()
    offering, actions = rush
    monkeypatch.setattr(services_seats, "seats_lock", lambda *, offering_id: None)

    change, *registrations = run_concurrently(actions)

    offering.refresh_from_db()
    # The change counted the seats before the first registration wrote its own, and lowered
    # the capacity to them; that registration then broke the database's check: the race is
    # real, and without the check it would have sold a seat the class no longer has.
    assert change == "ok", change
    assert offering.capacity == TAKEN
    assert any("offering_not_oversold" in outcome for outcome in registrations), registrations
    assert _active(offering) == offering.seats_taken == TAKEN
