"""Drop and switch until one day before registration closes, in Tehran time (R4, rule 7):
the exact boundary, the money (rule 9) and the seats."""

from __future__ import annotations

import datetime as dt

import pytest

from kargah.catalog.models import Offering
from kargah.core.errors import DomainError
from kargah.core.persian import TEHRAN
from kargah.enrollment import selectors, services_drop, services_registration
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    row_counts,
    top_up,
)
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db

US = dt.timedelta(microseconds=1)


def deadline_of(offering: Offering) -> dt.datetime:
    deadline = selectors.drop_deadline(offering)
    assert deadline is not None
    return deadline


@pytest.fixture
def closes_at():
    # Registration closes at 20:00 Tehran time on 1403/03/10 (2024-05-30).
    return dt.datetime(2024, 5, 30, 20, 0, tzinfo=TEHRAN)


@pytest.fixture
def paid(clock, closes_at):
    """A confirmed place, paid from the wallet, in a class that closes at `closes_at`."""
    clock.current = dt.datetime(2024, 5, 20, 10, 0, tzinfo=TEHRAN)
    offering = make_offering(
        weekday=0, first_date=dt.date(2024, 6, 1), registration_closes_at=closes_at,
        registration_opens_at=dt.datetime(2024, 5, 1, tzinfo=TEHRAN), capacity=3, quorum=1,
    )  # fmt: skip
    child = make_child()
    top_up(child.family, FEE)
    return services_registration.enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment


def test_the_deadline_is_one_day_before_registration_closes_in_tehran(paid, closes_at):
    deadline = deadline_of(paid.offering)
    assert deadline == dt.datetime(2024, 5, 29, 20, 0, tzinfo=TEHRAN)
    assert deadline.astimezone(dt.UTC) == dt.datetime(2024, 5, 29, 16, 30, tzinfo=dt.UTC)
    assert selectors.can_drop(paid, deadline - US)
    assert not selectors.can_drop(paid, deadline)


def test_a_drop_just_before_the_deadline_credits_the_wallet(paid, clock):
    clock.current = deadline_of(paid.offering) - US
    guardian = paid.learner.family.guardian
    assert wallet_balance(family=guardian.family) == 0

    dropped = services_drop.enrollment_drop(guardian=guardian, enrollment=paid)

    assert dropped.status == EnrollmentStatus.DROPPED and dropped.ended_at == clock()
    assert wallet_balance(family=guardian.family) == FEE
    assert LedgerTransaction.objects.filter(reference=f"enrollment:{paid.pk}:drop").count() == 1
    paid.offering.refresh_from_db()
    assert paid.offering.seats_taken == 0
    assert money_is_sound()


def test_a_drop_at_the_deadline_is_refused_in_persian(paid, clock):
    clock.current = deadline_of(paid.offering)
    before = row_counts()
    with pytest.raises(DomainError) as caught:
        services_drop.enrollment_drop(guardian=paid.learner.family.guardian, enrollment=paid)
    assert caught.value.code == "deadline"
    assert row_counts() == before
    paid.refresh_from_db()
    assert paid.status == EnrollmentStatus.CONFIRMED


def test_dropping_twice_credits_once(paid, clock):
    guardian = paid.learner.family.guardian
    services_drop.enrollment_drop(guardian=guardian, enrollment=paid)
    with pytest.raises(DomainError) as caught:
        services_drop.enrollment_drop(guardian=guardian, enrollment=paid)
    assert caught.value.code == "status"
    assert wallet_balance(family=guardian.family) == FEE


def test_another_family_cannot_drop(paid):
    with pytest.raises(DomainError) as caught:
        services_drop.enrollment_drop(guardian=make_child().family.guardian, enrollment=paid)
    assert caught.value.code == "not_found"


def test_an_unpaid_hold_can_be_given_up_without_money(clock, gateway):
    offering = make_offering()
    child = make_child()
    held = services_registration.enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment
    cancelled = services_drop.enrollment_drop(guardian=child.family.guardian, enrollment=held)
    assert cancelled.status == EnrollmentStatus.CANCELLED
    assert LedgerTransaction.objects.count() == 0
    offering.refresh_from_db()
    assert offering.seats_taken == 0


# --- switch ------------------------------------------------------------------------------


def other_class(paid, fee, weekday=2, **kwargs):
    return make_offering(
        weekday=weekday, fee_rials=fee, first_date=dt.date(2024, 6, 1),
        registration_opens_at=paid.offering.registration_opens_at,
        registration_closes_at=paid.offering.registration_closes_at + dt.timedelta(days=3),
        **kwargs,
    )  # fmt: skip


def switch(paid, offering):
    return services_drop.enrollment_switch(
        guardian=paid.learner.family.guardian, enrollment=paid, offering=offering
    )


def test_switching_to_a_cheaper_class_credits_the_difference(paid, clock):
    cheaper = other_class(paid, FEE - 1_000_000)
    new = switch(paid, cheaper)

    paid.refresh_from_db()
    assert paid.status == EnrollmentStatus.SWITCHED and paid.switched_to == new
    assert new.status == EnrollmentStatus.CONFIRMED and new.offering == cheaper
    assert new.paid_rials == new.fee_rials == FEE - 1_000_000
    assert wallet_balance(family=paid.learner.family) == 1_000_000
    assert new.conditions.course == cheaper.course  # R2 for the new course
    seats = dict(Offering.objects.values_list("pk", "seats_taken"))
    assert seats[paid.offering_id] == 0 and seats[cheaper.pk] == 1
    assert money_is_sound()


def test_switching_to_a_dearer_class_takes_the_difference_from_the_wallet(paid, clock):
    dearer = other_class(paid, FEE + 2_000_000)
    top_up(paid.learner.family, 2_500_000)
    new = switch(paid, dearer)
    assert new.paid_rials == FEE + 2_000_000
    assert wallet_balance(family=paid.learner.family) == 500_000
    assert money_is_sound()


def test_a_switch_the_wallet_cannot_cover_is_refused_with_the_amount_to_top_up(paid, clock):
    dearer = other_class(paid, FEE + 2_000_000)
    top_up(paid.learner.family, 500_000)
    before = row_counts()
    with pytest.raises(DomainError) as caught:
        switch(paid, dearer)
    assert caught.value.code == "insufficient_balance"
    assert caught.value.extra["shortfall"] == 1_500_000
    assert row_counts() == before


def test_a_switch_at_the_same_price_moves_no_money(paid, clock):
    same = other_class(paid, FEE)
    ledger = LedgerTransaction.objects.count()
    switch(paid, same)
    assert LedgerTransaction.objects.count() == ledger


def test_the_switch_deadline_is_the_current_classs(paid, clock):
    target = other_class(paid, FEE)
    clock.current = deadline_of(paid.offering)
    assert not selectors.can_switch(paid, clock())
    with pytest.raises(DomainError) as caught:
        switch(paid, target)
    assert caught.value.code == "deadline"
    clock.current -= US
    assert selectors.can_switch(paid, clock())
    assert switch(paid, target).status == EnrollmentStatus.CONFIRMED


def test_a_switch_checks_the_new_class_as_registering_does(paid, clock):
    full = other_class(paid, FEE, capacity=1, quorum=1)
    filler = make_child()
    top_up(filler.family, FEE)
    services_registration.enrollment_create(
        guardian=filler.family.guardian, learner=filler, offering=full, accept_terms=True
    )
    clashing = other_class(paid, FEE, weekday=3)
    services_registration.enrollment_create(
        guardian=paid.learner.family.guardian,
        learner=paid.learner,
        offering=make_offering(
            weekday=3,
            fee_rials=0,
            first_date=dt.date(2024, 6, 1),
            registration_opens_at=paid.offering.registration_opens_at,
        ),
        accept_terms=True,
    )
    for target, code in ((full, "full"), (clashing, "clash"), (paid.offering, "same_offering")):
        before = row_counts()
        with pytest.raises(DomainError) as caught:
            switch(paid, target)
        assert caught.value.code == code
        assert row_counts() == before
    # The class it leaves does not clash with the one it moves to.
    same_slot = other_class(paid, FEE, weekday=0)
    assert switch(paid, same_slot).status == EnrollmentStatus.CONFIRMED
