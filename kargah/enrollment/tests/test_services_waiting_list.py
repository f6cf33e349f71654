"""Holds that expire and the waiting list (issue 4 item 2): a freed seat is offered to the
next family, first come first served, for a limited time, then to the one after."""

from __future__ import annotations

import datetime as dt

import pytest

from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.errors import DomainError
from kargah.enrollment import (
    services_drop,
    services_registration,
    services_seats,
    services_waitlist,
)
from kargah.enrollment.models import EnrollmentStatus, WaitingListEntry, WaitingStatus
from kargah.enrollment.selectors import waiting_list_for_guardian, waiting_list_position
from kargah.enrollment.tests.conftest import FEE, make_child, make_offering, top_up
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def full(clock):
    """One seat, held by a family paying through the gateway."""
    return make_offering(capacity=1, quorum=1)


def register(child, offering):
    return services_registration.enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    )


def join(child, offering):
    return services_waitlist.waiting_list_join(
        guardian=child.family.guardian, learner=child, offering=offering
    )


def test_an_expired_hold_frees_the_seat_and_offers_it_to_the_first_waiting(full, gateway, clock):
    payer = make_child()
    held = register(payer, full).enrollment
    first, second = make_child(), make_child()
    entry1 = join(first, full)
    clock.advance(seconds=1)
    entry2 = join(second, full)
    assert waiting_list_position(entry=entry1) == 1 and waiting_list_position(entry=entry2) == 2

    clock.advance(minutes=14)
    assert services_seats.enrollment_holds_release() == 0  # not yet
    clock.advance(minutes=1)
    assert services_seats.enrollment_holds_release() == 1

    held.refresh_from_db()
    assert held.status == EnrollmentStatus.CANCELLED and held.ended_at == clock()
    entry1.refresh_from_db()
    entry2.refresh_from_db()
    assert entry1.status == WaitingStatus.OFFERED
    assert entry1.offer_expires_at == clock() + dt.timedelta(hours=2)
    assert entry2.status == WaitingStatus.WAITING
    full.refresh_from_db()
    assert full.seats_taken == 1  # reserved for the first in line
    sms = OutboxMessage.objects.get(kind="waiting_list_offer")
    assert sms.recipient == first.family.guardian.mobile
    assert f"/catalog/{full.pk}/" in sms.body

    # The seat is the offered child's: another family cannot take it …
    with pytest.raises(DomainError) as caught:
        register(make_child(), full)
    assert caught.value.code == "full"
    # … and the second in line cannot either.
    with pytest.raises(DomainError):
        register(second, full)
    # The offered child registers into it.
    top_up(first.family, FEE)
    assert register(first, full).enrollment.status == EnrollmentStatus.CONFIRMED
    entry1.refresh_from_db()
    assert entry1.status == WaitingStatus.ACCEPTED
    full.refresh_from_db()
    assert full.seats_taken == 1


def test_an_expired_offer_passes_to_the_next(full, gateway, clock):
    register(make_child(), full)
    first, second, third = make_child(), make_child(), make_child()
    entries = []
    for child in (first, second, third):
        entries.append(join(child, full))
        clock.advance(seconds=1)
    clock.advance(minutes=15)
    services_seats.enrollment_holds_release()
    clock.advance(hours=2)
    assert services_seats.enrollment_holds_release() == 1  # the first offer ended

    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == ["expired", "offered", "waiting"]
    with pytest.raises(DomainError):
        register(first, full)  # too late for the first
    full.refresh_from_db()
    assert full.seats_taken == 1
    assert list(
        OutboxMessage.objects.filter(kind="waiting_list_offer")
        .order_by("id")
        .values_list("recipient", flat=True)
    ) == [first.family.guardian.mobile, second.family.guardian.mobile]


def test_a_drop_offers_the_seat_at_once(clock):
    full = make_offering(capacity=1, quorum=1)
    holder = EnrollmentFactory.create(offering=full)
    waiting = make_child()
    entry = join(waiting, full)
    services_drop.enrollment_drop(guardian=holder.learner.family.guardian, enrollment=holder)
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED


def test_leaving_with_an_offer_passes_the_seat_on(full, gateway, clock):
    register(make_child(), full)
    first, second = make_child(), make_child()
    entry1 = join(first, full)
    clock.advance(seconds=1)
    entry2 = join(second, full)
    clock.advance(minutes=15)
    services_seats.enrollment_holds_release()

    services_waitlist.waiting_list_leave(guardian=first.family.guardian, entry=entry1)

    entry1.refresh_from_db()
    entry2.refresh_from_db()
    assert entry1.status == WaitingStatus.LEFT and entry2.status == WaitingStatus.OFFERED
    full.refresh_from_db()
    assert full.seats_taken == 1


def test_leaving_while_waiting(full, gateway):
    register(make_child(), full)
    child = make_child()
    entry = join(child, full)
    assert list(waiting_list_for_guardian(guardian=child.family.guardian)) == [entry]
    services_waitlist.waiting_list_leave(guardian=child.family.guardian, entry=entry)
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.LEFT
    assert list(waiting_list_for_guardian(guardian=child.family.guardian)) == []
    # Leaving twice changes nothing.
    assert (
        services_waitlist.waiting_list_leave(guardian=child.family.guardian, entry=entry).status
        == "left"
    )


def test_only_a_full_class_has_a_waiting_list(clock):
    open_class = make_offering(capacity=2, quorum=1)
    with pytest.raises(DomainError) as caught:
        join(make_child(), open_class)
    assert caught.value.code == "not_full"
    assert not WaitingListEntry.objects.exists()


def test_a_child_waits_once(full, gateway):
    register(make_child(), full)
    child = make_child()
    join(child, full)
    with pytest.raises(DomainError) as caught:
        join(child, full)
    assert caught.value.code == "already_waiting"


def test_someone_elses_child_cannot_join_or_leave(full, gateway):
    register(make_child(), full)
    child, stranger = make_child(), make_child()
    with pytest.raises(DomainError) as caught:
        services_waitlist.waiting_list_join(
            guardian=stranger.family.guardian, learner=child, offering=full
        )
    assert caught.value.code == "not_found"
    entry = join(child, full)
    with pytest.raises(DomainError):
        services_waitlist.waiting_list_leave(guardian=stranger.family.guardian, entry=entry)


def test_expired_holds_are_released_by_the_next_registration_too(full, gateway, clock):
    """Availability is exact under the lock: a hold past its time does not block a new
    family even before the job ran (when nobody is waiting)."""
    held = register(make_child(), full).enrollment
    clock.advance(minutes=15)
    newcomer = make_child()
    top_up(newcomer.family, FEE)
    assert register(newcomer, full).enrollment.status == EnrollmentStatus.CONFIRMED
    held.refresh_from_db()
    assert held.status == EnrollmentStatus.CANCELLED
    full.refresh_from_db()
    assert full.seats_taken == 1


def test_the_holds_task_runs_the_service(full, gateway, clock):
    from kargah.enrollment import tasks

    register(make_child(), full)
    clock.advance(minutes=20)
    assert tasks.enrollment_holds_release.delay().get() == 1
