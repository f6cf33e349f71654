"""Race tests on PostgreSQL (DOMAIN rule 8): no seat is sold twice and no wallet goes below
zero, under simultaneous registrations.

The control case removes the seat lock and turns the seat counter into a read-modify-write
(through the `_take_seat` seam), and shows that the same rush then oversells: the lock is
what makes the first test pass. Run with DATABASE_URL pointing at PostgreSQL; on any other
database each test fails at its first line (they never skip).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.enrollment import services_common, services_registration, services_seats
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    top_up,
)
from kargah.testing.races import require_postgresql, run_concurrently
from kargah.wallet.selectors import wallet_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20
TAKEN = 15
SEATS_LEFT = 5
CAPACITY = TAKEN + SEATS_LEFT


@pytest.fixture
def rush(clock):
    """An offering with five seats left and twenty families, each with a child and the fee
    in the wallet, ready to register at the same moment."""
    offering = make_offering(capacity=CAPACITY, quorum=1)
    for _ in range(TAKEN):
        EnrollmentFactory.create(offering=offering)
    children = [make_child() for _ in range(THREADS)]
    for child in children:
        top_up(child.family, FEE)

    def action(child):
        # Each request reads the offering afresh, as the API does (so the ones that come
        # after the class filled are refused before the seat lock, from the rows).
        return lambda: services_registration.enrollment_create(
            guardian=child.family.guardian,
            learner=child,
            offering=Offering.objects.select_related("course").get(pk=offering.pk),
            accept_terms=True,
        )

    return offering, [action(child) for child in children]


def test_simultaneous_registrations_never_sell_more_than_the_capacity(rush):
    require_postgresql()
    offering, actions = rush

    outcomes = run_concurrently(actions)

    assert Counter(outcomes) == {"ok": SEATS_LEFT, "full": THREADS - SEATS_LEFT}, outcomes
    active = Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES).count()
    offering.refresh_from_db()
    assert active == offering.seats_taken == CAPACITY
    assert money_is_sound()


def test_control_without_the_seat_lock_the_same_rush_oversells(rush, monkeypatch):
    """Shows that the test above can fail: with `lock_keys` a no-op and the counter updated
    by read-modify-write (so the database's capacity check sees no excess), every request
    counts the same free seats before any of them has written its enrollment."""
    require_postgresql()
    offering, actions = rush
    monkeypatch.setattr(services_common, "lock_keys", lambda *keys: None)

    def racy_take_seat(offering_id: int) -> None:
        taken = Offering.objects.get(pk=offering_id).seats_taken
        time.sleep(0.2)  # between counting the free seats and writing the enrollment
        Offering.objects.filter(pk=offering_id).update(seats_taken=taken + 1)

    monkeypatch.setattr(services_seats, "_take_seat", racy_take_seat)

    outcomes = run_concurrently(actions)

    active = Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES).count()
    assert active > CAPACITY, (active, outcomes)  # oversold: the race is real
    offering.refresh_from_db()
    assert offering.seats_taken < active  # and the counter lost updates


def test_two_registrations_paid_from_a_wallet_that_covers_one(clock, gateway):
    """Two children of one family register at the same moment for two classes; the wallet
    holds one fee. Exactly one is paid from it; the other waits for a gateway payment of
    the whole fee; the wallet never goes below zero."""
    require_postgresql()
    first, second = make_offering(weekday=1), make_offering(weekday=2)
    family_child = make_child()
    sibling = make_child(family=family_child.family)
    guardian = family_child.family.guardian
    top_up(family_child.family, FEE)

    outcomes = run_concurrently(
        [
            lambda: services_registration.enrollment_create(
                guardian=guardian, learner=family_child, offering=first, accept_terms=True
            ),
            lambda: services_registration.enrollment_create(
                guardian=guardian, learner=sibling, offering=second, accept_terms=True
            ),
        ]
    )

    assert outcomes == ["ok", "ok"], outcomes
    statuses = Counter(Enrollment.objects.values_list("status", flat=True))
    assert statuses == {EnrollmentStatus.CONFIRMED: 1, EnrollmentStatus.AWAITING_PAYMENT: 1}
    assert [a.amount for a in gateway.started] == [FEE]
    assert wallet_balance(family=family_child.family) == 0
    assert money_is_sound()
