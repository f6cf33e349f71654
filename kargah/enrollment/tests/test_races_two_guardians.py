"""Race tests on PostgreSQL (DOMAIN rule 8; docs/learner-links.md): both guardians of one
child register it for the same class at the same moment, each paying from their own wallet.
Their wallet locks differ, so what serialises them is the offering's seat lock, under which
the second sees the child registered ("already registered"): exactly one place, one debit.

The controls remove the seat lock (and hold both requests between reading the seats and
writing the place): the partial unique index on (learner, offering) then still leaves one
place and rolls the loser's debit back; with that index dropped too, the child gets two
places and both parents pay: the race is real, and each guard stops it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from kargah.accounts.models import LearnerLink, LinkStatus
from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog.models import Offering
from kargah.enrollment import services_common, services_registration
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, money_is_sound, top_up
from kargah.testing.races import require_postgresql, run_concurrently
from kargah.wallet.models import LedgerTransaction, TransactionKind
from kargah.wallet.selectors import wallet_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ONE_PLACE = "enrollment_one_active_per_learner"


@pytest.fixture
def parents(clock) -> tuple[Offering, list[Any], list[Any]]:
    """A class, a child, its two guardians (owner and linked), each with the fee in their
    own wallet, and each one's registration ready to run."""
    offering = make_offering(capacity=5, quorum=1)
    child = make_child()
    owner = child.family.guardian
    second = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=second.family, status=LinkStatus.APPROVED, requested_by=second
    )
    families = [owner.family, second.family]
    for family in families:
        top_up(family, FEE)

    def action(guardian):
        return lambda: services_registration.enrollment_create(
            guardian=guardian,
            learner=child,
            offering=Offering.objects.select_related("course").get(pk=offering.pk),
            accept_terms=True,
        )

    return offering, families, [action(owner), action(second)]


def _paid_places(offering: Offering) -> tuple[int, int]:
    """(active places of the offering, fees debited from a wallet)."""
    return (
        Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES).count(),
        LedgerTransaction.objects.filter(kind=TransactionKind.ENROLLMENT_PAYMENT).count(),
    )


def _without_the_seat_lock(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """No seat or wallet lock, and each request waits after reading the seats, so that both
    read them before either writes; returns what each saw (enrolled or not)."""
    monkeypatch.setattr(services_common, "lock_keys", lambda *keys: None)
    seen: list[bool] = []
    read = services_registration._locked_offering

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        fresh, state = read(*args, **kwargs)
        seen.append(state.enrolled)
        time.sleep(0.3)
        return fresh, state

    monkeypatch.setattr(services_registration, "_locked_offering", slow_read)
    return seen


@pytest.fixture
def no_unique_place() -> Iterator[None]:
    """The partial unique index on (learner, offering) dropped for one test, then rebuilt."""
    constraint = next(c for c in Enrollment._meta.constraints if c.name == ONE_PLACE)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Enrollment, constraint)
    try:
        yield
    finally:
        Enrollment.objects.all().delete()  # the duplicates would refuse the index
        with connection.schema_editor() as editor:
            editor.add_constraint(Enrollment, constraint)


def test_both_guardians_at_once_give_the_child_one_place_and_one_debit(parents):
    require_postgresql()
    offering, families, actions = parents

    outcomes = run_concurrently(actions)

    assert Counter(outcomes) == {"ok": 1, "already_enrolled": 1}, outcomes
    assert _paid_places(offering) == (1, 1)
    assert sorted(wallet_balance(family=f) for f in families) == [0, FEE]
    (place,) = Enrollment.objects.filter(offering=offering)
    assert wallet_balance(family=place.family) == 0  # the one that registered paid
    offering.refresh_from_db()
    assert offering.seats_taken == 1
    assert money_is_sound()


def test_control_without_the_seat_lock_the_unique_place_still_stops_the_second(
    parents, monkeypatch
):
    require_postgresql()
    offering, families, actions = parents
    seen = _without_the_seat_lock(monkeypatch)

    outcomes = run_concurrently(actions)

    assert seen == [False, False]  # both passed the check: the race happened
    assert Counter(outcomes) == {"ok": 1, "already_enrolled": 1}, outcomes
    assert _paid_places(offering) == (1, 1)  # the loser's debit rolled back with it
    assert sorted(wallet_balance(family=f) for f in families) == [0, FEE]
    assert money_is_sound()


def test_control_without_the_seat_lock_and_the_unique_place_both_parents_pay(
    parents, monkeypatch, no_unique_place
):
    require_postgresql()
    offering, families, actions = parents
    _without_the_seat_lock(monkeypatch)

    outcomes = run_concurrently(actions)

    assert outcomes == ["ok", "ok"], outcomes
    assert _paid_places(offering) == (2, 2)  # two places, two debits: the race is real
    assert [wallet_balance(family=f) for f in families] == [0, 0]
