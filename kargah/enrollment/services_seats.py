"""The seats of an offering and who holds them, and the minute job that frees expired holds
and waiting-list offers (DOMAIN rules 6–8).

Seats. `Offering.seats_taken` counts the seats that are held: active enrollments (awaiting
payment, awaiting document approval, confirmed) plus seats offered to a waiting family. It
changes only by `F()` inside the transaction that takes or frees the seat, under the
offering's seat lock (`lock_keys(("offering-seats", id))`), and the database refuses more
than the capacity. Availability is decided from the rows under that lock, never from a
cached counter; expired holds and offers of the offering are released first, in the same
transaction, so the count is exact. The one exception is a refusal: when the counter says
the class is full, the rows are read before the lock and a class they show full is refused
at once (`services_registration._refuse_if_full`), so that in a registration rush the
refusals do not queue for the lock behind the registrations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import Offering
from kargah.core.errors import Conflict
from kargah.core.services import audit_record, snapshot
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.enrollment.services_common import (
    ENROLLMENT_AUDIT_FIELDS,
    _free_seats,
    _lock_seats,
    _now,
    _offer_seconds,
    _offering_url,
    _save,
    _tell,
    _tell_hold_expired,
    _transition,
    _waiting_transition,
)
from kargah.notifications.catalogue import When

# --- the seat counter and who holds a seat (call under the offering's seat lock) -----------


def _take_seat(offering_id: int) -> None:
    """Counts one more held seat. Only ever called under the offering's seat lock, after
    the rows said a seat is free; the database's `seats_taken <= capacity` check is the
    last guard. (The race test's control run replaces this with a read-modify-write.)"""
    Offering.objects.filter(pk=offering_id).update(seats_taken=F("seats_taken") + 1)


@dataclass(frozen=True)
class SeatState:
    """What deciding about a seat needs, read from the offering's rows (`_seat_state`)."""

    held: int  # active enrollments (holds not yet expired) and live waiting-list offers
    expired: bool  # an unpaid hold or a waiting-list offer of the offering has expired
    waiting: bool  # families wait on its list
    listed: bool  # the learner is on its list (waiting, or offered a seat)
    enrolled: bool  # the learner already has a place in it (or completed it)


def _seat_state(offering: Offering, learner: Learner | None, now: dt.datetime) -> SeatState:
    """Read from the offering's places and waiting list (a few dozen rows at most: the
    holders of its seats and the families waiting), two plain queries."""
    learner_id = learner.pk if learner is not None else None
    held = 0
    expired = waiting = listed = enrolled = False
    places = Enrollment.objects.filter(
        offering=offering, status__in=[*ACTIVE_STATUSES, EnrollmentStatus.COMPLETED]
    ).values_list("learner_id", "status", "hold_expires_at")
    for holder, status, hold_expires_at in places:
        enrolled = enrolled or holder == learner_id
        if status == EnrollmentStatus.AWAITING_PAYMENT and (
            hold_expires_at is not None and hold_expires_at <= now
        ):
            expired = True
        elif status in ACTIVE_STATUSES:
            held += 1
    entries = WaitingListEntry.objects.filter(
        offering=offering, status__in=WAITING_OPEN_STATUSES
    ).values_list("learner_id", "status", "offer_expires_at")
    for holder, status, offer_expires_at in entries:
        listed = listed or holder == learner_id
        if status == WaitingStatus.WAITING:
            waiting = True
        elif offer_expires_at is not None and offer_expires_at > now:
            held += 1
        else:
            expired = True
    return SeatState(held=held, expired=expired, waiting=waiting, listed=listed, enrolled=enrolled)


def _seats_held(offering: Offering, now: dt.datetime) -> int:
    return _seat_state(offering, None, now).held


def _release_expired(offering: Offering, now: dt.datetime) -> tuple[int, int]:
    """Cancels the offering's unpaid holds and waiting-list offers that have expired, frees
    their seats and offers free seats to the waiting list. Returns (holds, offers)."""
    holds = list(
        Enrollment.objects.select_for_update()
        .select_related("learner__family__guardian")
        .filter(
            offering=offering,
            status=EnrollmentStatus.AWAITING_PAYMENT,
            hold_expires_at__lte=now,
        )
    )
    for enrollment in holds:
        before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
        _transition(enrollment, EnrollmentStatus.CANCELLED, now=now)
        _save(enrollment, actor=None, action="enrollment.hold_expired", before=before)
        _tell_hold_expired(enrollment, offering)
    offers = list(
        WaitingListEntry.objects.select_for_update().filter(
            offering=offering, status=WaitingStatus.OFFERED, offer_expires_at__lte=now
        )
    )
    for entry in offers:
        _waiting_transition(entry, WaitingStatus.EXPIRED, now=now)
        entry.save(update_fields=["status", "ended_at"])
        audit_record(actor=None, action="waiting_list.offer_expired", obj=entry)
    if holds or offers:
        _free_seats(offering.pk, len(holds) + len(offers))
        catalog_changed()
    _offer_free_seats(offering, now)
    return len(holds), len(offers)


def _offer_free_seats(offering: Offering, now: dt.datetime) -> list[WaitingListEntry]:
    """Offers each free seat to the next waiting learner, first come first served; the
    seat is theirs until the offer expires."""
    if not offering.registration_is_open(now):
        return []
    free = offering.capacity - _seats_held(offering, now)
    if free <= 0:
        return []
    entries = list(
        WaitingListEntry.objects.select_for_update()
        .select_related("learner", "family__guardian", "offering__course")
        .filter(offering=offering, status=WaitingStatus.WAITING)
        .order_by("created_at", "id")[:free]
    )
    expires = now + dt.timedelta(seconds=_offer_seconds())
    for entry in entries:
        _waiting_transition(entry, WaitingStatus.OFFERED, now=now)
        entry.offered_at = now
        entry.offer_expires_at = expires
        entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
        _take_seat(offering.pk)
        audit_record(actor=None, action="waiting_list.offered", obj=entry)
        _tell(entry, "waiting_list_offer", {
            "title": offering.course.title, "name": entry.learner.first_name,
            "until": When(expires), "link": _offering_url(offering),
        })  # fmt: skip
    if entries:
        catalog_changed()
    return entries


def _seat_freed(offering: Offering, now: dt.datetime) -> None:
    _free_seats(offering.pk, 1)
    catalog_changed()
    _offer_free_seats(offering, now)


def _full() -> Conflict:
    return Conflict(
        _("This class is full. You can join its waiting list and we will tell you by SMS "
          "when a seat is free."),
        code="full",
    )  # fmt: skip


def _claim_seat(
    learner: Learner, offering: Offering, now: dt.datetime, *, state: SeatState | None = None
) -> None:
    """Takes a seat for the learner (under the seat lock) or raises Conflict("full"). A seat
    offered to this learner from the waiting list is theirs already; registering takes it.
    `state` is the offering's seats as just read under the lock, if the caller has it."""
    if state is None:
        state = _seat_state(offering, learner, now)
    if state.expired or (state.waiting and state.held < offering.capacity):
        # Expired holds and offers give their seats back, and a free seat goes to the
        # waiting list first (FIFO), before anyone who registers directly.
        _release_expired(offering, now)
        state = _seat_state(offering, learner, now)
    entries: list[WaitingListEntry] = []
    if state.listed:
        entries = list(
            WaitingListEntry.objects.select_for_update().filter(
                offering=offering, learner=learner, status__in=WAITING_OPEN_STATUSES
            )
        )
        for offer in entries:
            expires = offer.offer_expires_at
            if offer.status == WaitingStatus.OFFERED and expires is not None and expires > now:
                _waiting_transition(offer, WaitingStatus.ACCEPTED, now=now)
                offer.save(update_fields=["status", "ended_at"])
                return  # its seat is already counted
    if state.held >= offering.capacity:
        raise _full()
    _take_seat(offering.pk)
    for waiting in entries:  # registered directly (a seat was free): off the list
        if waiting.status == WaitingStatus.WAITING:
            _waiting_transition(waiting, WaitingStatus.ACCEPTED, now=now)
            waiting.save(update_fields=["status", "ended_at"])
    catalog_changed()


# --- for the minute job and the center's capacity change -----------------------------------


def enrollment_holds_release(*, now: dt.datetime | None = None) -> int:
    """The minute job: cancels unpaid holds past their expiry and waiting-list offers past
    theirs, frees the seats and offers them to the next waiting families. Returns how many
    holds and offers ended. Each offering is handled in its own transaction under its lock,
    so the job can be stopped and rerun at any point."""
    now = now or _now()
    offering_ids = set(
        Enrollment.objects.filter(
            status=EnrollmentStatus.AWAITING_PAYMENT, hold_expires_at__lte=now
        ).values_list("offering_id", flat=True)
    ) | set(
        WaitingListEntry.objects.filter(
            status=WaitingStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("offering_id", flat=True)
    )
    ended = 0
    for offering_id in sorted(offering_ids):
        with transaction.atomic():
            _lock_seats(offering_id)
            offering = Offering.objects.select_related("course").get(pk=offering_id)
            holds, offers = _release_expired(offering, now)
            ended += holds + offers
    return ended


def seats_lock(*, offering_id: int) -> None:
    """The offering's seat lock, for a service of another part that changes what the seats
    are (the center's capacity change, issue 11): the lock every registration takes."""
    _lock_seats(offering_id)


def seats_release_expired(*, offering: Offering) -> None:
    """Frees the offering's expired holds and waiting-list offers, so that `seats_taken`
    counts only the seats really held. Under `seats_lock`, in the caller's transaction."""
    _release_expired(offering, _now())


def waiting_list_offer_free_seats(*, offering: Offering) -> list[WaitingListEntry]:
    """Offers each free seat to the next waiting family in order, as a freed seat is (after
    the center raised the capacity, issue 11). Under `seats_lock`, in the caller's
    transaction; `offering` is the row as it is now, with its course."""
    return _offer_free_seats(offering, _now())
