"""Writes of enrollment: registering (R2), seats and holds, the waiting list, paying from the
wallet, drop and switch (R4) and closing registration at quorum (P2); DOMAIN rules 3, 6–9, 12.

Seats. `Offering.seats_taken` counts the seats that are held: active enrollments (awaiting
payment, awaiting document approval, confirmed) plus seats offered to a waiting family. It
changes only by `F()` inside the transaction that takes or frees the seat, under the
offering's seat lock (`lock_keys(("offering-seats", id))`), and the database refuses more
than the capacity. Availability is decided from the rows under that lock, never from a
cached counter; expired holds and offers of the offering are released first, in the same
transaction, so the count is exact. The one exception is a refusal: when the counter says
the class is full, the rows are read before the lock and a class they show full is refused
at once (`_refuse_if_full`), so that in a registration rush the refusals do not queue for
the lock behind the registrations.

Money. Every movement is one ledger transaction with a unique reference naming its cause
(`enrollment:<id>:paid|drop|switch|quorum|cancel`), so anything that runs twice moves money
once. The wallet is spent first; what it does not cover is paid through the gateway, which
credits the wallet, after which `enrollment_on_payment_verified` takes the whole fee from
the wallet. Money that arrives for a seat that is gone stays in the wallet (never lost).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Family, Learner, User
from kargah.accounts.selectors import family_may_register
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import (
    OFFERING_TRANSITIONS,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.catalog.services import current_conditions
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.idempotency import in_key_transaction
from kargah.core.locks import lock_keys
from kargah.core.models import AuditLogEntry
from kargah.core.persian import format_jalali_datetime, format_money, localize_digits, to_tehran
from kargah.core.services import audit_entry, audit_record, audit_records, snapshot
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    ENROLLMENT_TRANSITIONS,
    PAID_STATUSES,
    WAITING_OPEN_STATUSES,
    WAITING_TRANSITIONS,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.notifications.catalogue import (
    CENTER_CANCEL_CREDIT,
    DOCUMENTS_APPROVED,
    DROP_CREDIT,
    FIRST_SESSION,
    PAID_FROM_WALLET,
    QUORUM_CREDIT,
    QUORUM_NO_CREDIT,
    SIMILAR_CLASSES,
    Fragment,
    Money,
    When,
)
from kargah.notifications.services import notify
from kargah.sla.models import ServiceEventKind
from kargah.sla.services import service_event_record
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.selectors import wallet_balance
from kargah.wallet.services import (
    InsufficientBalance,
    family_wallet,
    ledger_post,
    ledger_post_new,
    system_account,
    wallet_and_system_account,
)

logger = logging.getLogger(__name__)

ENROLLMENT_AUDIT_FIELDS = ["status", "fee_rials", "paid_rials", "hold_expires_at", "switched_to"]
PAYMENT_PURPOSE = "enrollment"


# --- small seams -----------------------------------------------------------------------


def _now() -> dt.datetime:
    """The clock of the services (tests move it to check boundaries)."""
    return timezone.now()


def _hold_seconds() -> int:
    return int(getattr(settings, "KARGAH_SEAT_HOLD_SECONDS", 15 * 60))


def _offer_seconds() -> int:
    return int(getattr(settings, "KARGAH_WAITLIST_OFFER_SECONDS", 2 * 60 * 60))


def _take_seat(offering_id: int) -> None:
    """Counts one more held seat. Only ever called under the offering's seat lock, after
    the rows said a seat is free; the database's `seats_taken <= capacity` check is the
    last guard. (The race test's control run replaces this with a read-modify-write.)"""
    Offering.objects.filter(pk=offering_id).update(seats_taken=F("seats_taken") + 1)


def _free_seats(offering_id: int, count: int = 1) -> None:
    if count:
        Offering.objects.filter(pk=offering_id).update(seats_taken=F("seats_taken") - count)


def _lock_seats(*offering_ids: int, families: Iterable[int] = ()) -> None:
    """The seat locks of the offerings and the wallet locks of the families, taken in one
    call so that they are taken in one (sorted) order by every path."""
    lock_keys(
        *[("offering-seats", str(pk)) for pk in offering_ids],
        *[("wallet", str(pk)) for pk in families],
    )


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'KARGAH_SITE_URL', '').rstrip('/')}{path}"


def _offering_url(offering: Offering) -> str:
    return _site_url(reverse("catalog:detail", args=[offering.pk]))


def _guardian_mobile(to: Learner | Enrollment | WaitingListEntry) -> str:
    return to.family.guardian.mobile or ""


def _tell(
    to: Learner | Enrollment | WaitingListEntry, kind: str, context: dict[str, Any], event: Any = ""
) -> None:
    """A message of the catalogue to the guardian of `to.family`: for a place or a
    waiting-list entry, the family that registered (and paid) it, never the child's other
    guardian. One per place (or entry) and kind, or per `event` of it (e.g. a payment)."""
    event_key = f"{type(to).__name__.lower()}:{to.pk}:{kind}" + (f":{event}" if event else "")
    offering_id = getattr(to, "offering_id", None)
    notify(
        user=to.family.guardian,
        kind=kind,
        context=context,
        event_key=event_key,
        link=reverse("catalog:detail", args=[offering_id]) if offering_id else "",
    )


def _tell_hold_expired(enrollment: Enrollment, offering: Offering) -> None:
    _tell(enrollment, "hold_expired", {
        "title": offering.course.title, "name": enrollment.learner.first_name,
        "until": When(enrollment.hold_expires_at), "link": _offering_url(offering),
    })  # fmt: skip


def _tell_quorum_met(offering: Offering) -> None:
    """The quorum's result when the class runs: each confirmed place, with the first session."""
    first = offering.sessions.filter(status=SessionStatus.SCHEDULED).order_by("starts_at").first()
    places = Enrollment.objects.filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
    for enrollment in places.select_related("learner", "family__guardian"):
        _tell(enrollment, "quorum_met", {
            "title": offering.course.title, "name": enrollment.learner.first_name,
            "first": Fragment(FIRST_SESSION, when=When(first.starts_at, weekday=True))
            if first else "",
        })  # fmt: skip


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentResult:
    """What registering (or paying for a place) did: the enrollment, and when the wallet did
    not cover the fee, the gateway payment attempt the guardian is sent to."""

    enrollment: Enrollment
    payment: Any = None
    paid_from_wallet: bool = False
    # Inside an Idempotency-Key's transaction, the Rials the bank is to be asked for after
    # it commits (`enrollment_payment_start`); the gateway is not called under its locks.
    payment_due: int = 0

    @property
    def redirect_url(self) -> str | None:
        return getattr(self.payment, "redirect_url", None) if self.payment is not None else None

    @property
    def needs_payment(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.AWAITING_PAYMENT


@dataclass
class CloseReport:
    proceeded: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    credited_enrollments: int = 0
    credited_rials: int = 0
    failed: list[int] = field(default_factory=list)


# --- state changes ---------------------------------------------------------------------


def _transition(enrollment: Enrollment, new_status: str, *, now: dt.datetime) -> None:
    allowed = ENROLLMENT_TRANSITIONS.get(enrollment.status, frozenset())
    if new_status not in allowed:
        raise DomainError(
            _("This registration cannot change from “%(old)s” to “%(new)s”.")
            % {
                "old": EnrollmentStatus(enrollment.status).label,
                "new": EnrollmentStatus(new_status).label,
            },
            code="status",
        )
    enrollment.status = new_status
    if new_status == EnrollmentStatus.CONFIRMED:
        enrollment.confirmed_at = now
    if new_status not in ACTIVE_STATUSES:
        enrollment.ended_at = now
        enrollment.hold_expires_at = None


def _waiting_transition(entry: WaitingListEntry, new_status: str, *, now: dt.datetime) -> None:
    if new_status not in WAITING_TRANSITIONS.get(entry.status, frozenset()):
        raise DomainError(_("This waiting list place has already ended."), code="status")
    entry.status = new_status
    if new_status not in WAITING_OPEN_STATUSES:
        entry.ended_at = now


def _save(
    enrollment: Enrollment, *, actor: Any, action: str, before: dict[str, Any], reason: str = ""
) -> None:
    enrollment.save()
    audit_record(
        actor=actor,
        action=action,
        obj=enrollment,
        before=before,
        after=snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS),
        reason=reason,
    )


# --- checks ----------------------------------------------------------------------------


def _check_guardian(guardian: User, learner: Learner) -> Family:
    """The guardian's family, if it may register the child (its own, or linked by an
    approved link: docs/learner-links.md); the family that registers is the one that pays."""
    family = getattr(guardian, "family", None) if guardian.is_authenticated else None
    if family is None or not family_may_register(family_id=family.pk, learner=learner):
        # Another family's child is "not found", not "forbidden": nothing is revealed.
        raise NotAllowed(_("This child was not found in your family."), code="not_found")
    return family


def _check_payer(guardian: User, place: Enrollment | WaitingListEntry) -> Family:
    """Only the family that registered a place (or a waiting-list entry) acts on it: pays,
    drops, switches, leaves. The child's other guardian sees it read-only (refused with
    `not_payer`); anyone else is told it does not exist."""
    family = getattr(guardian, "family", None) if guardian.is_authenticated else None
    if family is not None and place.family_id == family.pk:
        return family
    if family is not None and family_may_register(family_id=family.pk, learner=place.learner):
        raise NotAllowed(
            _("The child's other guardian registered this place; only they can change it."),
            code="not_payer",
        )
    raise NotAllowed(_("This child was not found in your family."), code="not_found")


SessionTimes = list[tuple[dt.datetime, dt.datetime]]


def _session_times(offering: Offering) -> SessionTimes:
    """(start, end) of the offering's sessions that are not cancelled, by start."""
    return list(
        Session.objects.filter(offering=offering)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )


def _reference_day(
    offering: Offering, now: dt.datetime, sessions: SessionTimes | None = None
) -> dt.date:
    times = _session_times(offering) if sessions is None else sessions
    if times:
        return to_tehran(times[0][0]).date()
    return offering.first_date or to_tehran(now).date()


def _check_age(
    learner: Learner, offering: Offering, now: dt.datetime, sessions: SessionTimes | None = None
) -> None:
    age = learner.age_on(_reference_day(offering, now, sessions))
    if not offering.min_age <= age <= offering.max_age:
        raise DomainError(
            _("This class is for ages %(min)s to %(max)s; %(name)s will be %(age)s.")
            % {
                "min": localize_digits(offering.min_age),
                "max": localize_digits(offering.max_age),
                "name": learner.first_name,
                "age": localize_digits(age),
            },
            code="age",
        )


def _check_open(offering: Offering, now: dt.datetime) -> None:
    if not offering.registration_is_open(now):
        raise DomainError(_("Registration for this class is not open."), code="closed")


def _already_enrolled(learner: Learner) -> DomainError:
    return DomainError(
        _("%(name)s is already registered in this class.") % {"name": learner.first_name},
        code="already_enrolled",
    )


def _check_not_enrolled(learner: Learner, offering: Offering) -> None:
    if Enrollment.objects.filter(
        learner=learner, offering=offering, status__in=[*ACTIVE_STATUSES, "completed"]
    ).exists():
        raise _already_enrolled(learner)


def _check_no_clash(
    learner: Learner,
    offering: Offering,
    *,
    ignore: int | None = None,
    sessions: SessionTimes | None = None,
) -> None:
    """No session of the offering overlaps a session of the learner's other active
    classes (cancelled sessions do not count). Two plain reads (the offering's sessions,
    unless the caller has them, and the learner's other sessions) compared here: cheaper
    to build than one query with a correlated subquery (docs/performance.md)."""
    mine = _session_times(offering) if sessions is None else sessions
    if not mine:
        return
    theirs = (
        Session.objects.filter(
            offering__enrollments__learner=learner,
            offering__enrollments__status__in=ACTIVE_STATUSES,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("offering_id", "offering__enrollments__id", "starts_at", "ends_at")
    )
    clashes = sorted(
        (starts, offering_id)
        for offering_id, enrollment_id, starts, ends in theirs
        if offering_id != offering.pk
        and enrollment_id != ignore
        and any(s < ends and e > starts for s, e in mine)
    )
    if clashes:
        starts, offering_id = clashes[0]
        title = Offering.objects.filter(pk=offering_id).values_list("course__title", flat=True)
        raise DomainError(
            _("This class clashes with «%(title)s» of %(name)s on %(when)s.")
            % {
                "title": title.first(),
                "name": learner.first_name,
                "when": format_jalali_datetime(starts),
            },
            code="clash",
        )


def _documents_missing(learner: Learner, offering: Offering) -> list[str]:
    try:
        from kargah.documents.selectors import documents_missing
    except ImportError:  # the documents app is not installed: nothing can be asked for
        return []
    return list(documents_missing(learner=learner, course=offering.course))


def _waits_for_approval(learner: Learner, offering: Offering) -> bool:
    if not getattr(offering.course, "confirmation_waits_for_documents", False):
        return False
    try:
        from kargah.documents.selectors import documents_awaiting_approval
    except ImportError:
        return False
    return bool(documents_awaiting_approval(learner=learner, course=offering.course))


def _check_documents(learner: Learner, offering: Offering) -> None:
    _refuse_missing_documents(_documents_missing(learner, offering))


def _refuse_missing_documents(missing: list[str]) -> None:
    if missing:
        raise DomainError(
            _("Hand in these documents through the site first: %(names)s.")
            % {"names": "، ".join(missing)},
            code="documents",
            extra={"missing": missing},
        )


def _check_can_register(
    learner: Learner, offering: Offering, now: dt.datetime, *, ignore: int | None = None
) -> None:
    """The checks of registering that need no lock (repeated under the lock where they
    can change between reading and writing)."""
    _check_open(offering, now)
    _check_age(learner, offering, now)
    _check_not_enrolled(learner, offering)
    _check_no_clash(learner, offering, ignore=ignore)
    _check_documents(learner, offering)


# --- seats and the waiting list (call under the offering's seat lock) -------------------


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


def _locked_offering(
    offering: Offering, learner: Learner | None, now: dt.datetime
) -> tuple[Offering, SeatState]:
    """The offering as it is now and its seats, read under the seat lock (the course is
    the caller's: a registration does not change it)."""
    fresh = Offering.objects.get(pk=offering.pk)
    fresh.course = offering.course
    return fresh, _seat_state(fresh, learner, now)


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


def _refuse_if_full(
    learner: Learner,
    offering: Offering,
    now: dt.datetime,
    *,
    sessions: SessionTimes,
    missing: list[str],
) -> None:
    """Before the seat lock: when the seat counter says the class is full, the rows are
    read, and a class they show full is refused at once, without waiting for the lock that
    every registration of a popular class queues for (with the refusals that come before
    "full" in their usual order: already registered, clash, documents). Seeing it full is a
    true answer at the moment of reading: a held seat is freed only by time (an expired
    hold or offer, which sends the request on to the lock, where it is released) or under
    the lock, where a freed seat goes to the waiting list in the same transaction. A
    learner offered a seat from the waiting list goes on to the lock too."""
    if offering.seats_taken < offering.capacity:
        return
    state = _seat_state(offering, learner, now)
    if state.listed or state.expired or state.held < offering.capacity:
        return  # the lock decides
    if state.enrolled:
        raise _already_enrolled(learner)
    _check_no_clash(learner, offering, sessions=sessions)
    _refuse_missing_documents(missing)
    raise _full()


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


# --- paying ----------------------------------------------------------------------------


def _pay_from_wallet(enrollment: Enrollment, *, actor: Any, now: dt.datetime) -> None:
    """Moves the fee from the family's wallet into course revenue (the caller holds the
    wallet lock and knows the balance covers it) and confirms, or waits for documents."""
    fee = enrollment.fee_rials
    if fee > 0:
        ledger_post(
            reference=f"enrollment:{enrollment.pk}:paid",
            kind=TransactionKind.ENROLLMENT_PAYMENT,
            entries=[
                (family_wallet(enrollment.family), -fee),
                (system_account(AccountKind.COURSE_REVENUE), fee),
            ],
            memo=f"{enrollment.offering.course.title} — {enrollment.learner.full_name}",
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
    enrollment.paid_rials = fee
    enrollment.paid_at = now
    enrollment.hold_expires_at = None
    if _waits_for_approval(enrollment.learner, enrollment.offering):
        _transition(enrollment, EnrollmentStatus.AWAITING_APPROVAL, now=now)
        action = "enrollment.paid_awaiting_approval"
    else:
        _transition(enrollment, EnrollmentStatus.CONFIRMED, now=now)
        action = "enrollment.confirmed"
    _save(enrollment, actor=actor, action=action, before=before)


def _start_payment(enrollment: Enrollment, *, guardian: User, amount: int, return_url: str) -> Any:
    from kargah.payments.services import payment_start

    return payment_start(
        family=enrollment.family,
        amount=amount,
        purpose=PAYMENT_PURPOSE,
        enrollment=enrollment,
        return_url=return_url,
        description=f"{enrollment.offering.course.title} — {enrollment.learner.full_name}",
        mobile=guardian.mobile or None,
    )


def enrollment_on_payment_verified(*, attempt: Any) -> Enrollment | None:
    """Called by the payments app after a verified gateway payment for an enrollment, once
    the attempt's amount has been credited to the family's wallet (in the same or an
    earlier transaction). Takes the whole fee from the wallet and confirms the place.

    Idempotent: a second call (or a payment for a place that is already paid) changes
    nothing. If the place is gone (the hold expired and was released, the class was
    cancelled) or the wallet no longer covers the fee, the money stays in the wallet and
    the family is told by SMS: money is never lost.
    """
    enrollment_id = getattr(attempt, "enrollment_id", None)
    if enrollment_id is None:
        return None
    now = _now()
    with transaction.atomic():
        row = Enrollment.objects.filter(pk=enrollment_id).values("offering_id", "family_id")
        info = row.first()
        if info is None:
            return None
        _lock_seats(info["offering_id"], families=[info["family_id"]])
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course")
            .get(pk=enrollment_id)
        )
        amount = int(getattr(attempt, "amount", 0) or 0)
        attempt_id = getattr(attempt, "pk", None)
        if enrollment.status != EnrollmentStatus.AWAITING_PAYMENT:
            if _recorded(enrollment, "enrollment.paid_by_gateway", attempt_id):
                return enrollment  # this very payment confirmed it: a repeated call
            already_paid = enrollment.status in (*PAID_STATUSES, EnrollmentStatus.COMPLETED)
            _tell_money_kept(
                enrollment, amount=amount, attempt_id=attempt_id,
                why="already_paid" if already_paid else "released",
            )  # fmt: skip
            return enrollment
        # Still awaiting payment means the seat is still counted for it, even if the hold
        # has just expired: holds are released only under this same lock.
        family = enrollment.family
        if wallet_balance(family=family) < enrollment.fee_rials:
            # The wallet was spent on something else meanwhile: the place still waits.
            _tell_money_kept(enrollment, amount=amount, attempt_id=attempt_id, why="short")
            return enrollment
        _pay_from_wallet(enrollment, actor=None, now=now)
        audit_record(
            actor=None,
            action="enrollment.paid_by_gateway",
            obj=enrollment,
            after={"attempt": attempt_id, "amount": amount},
        )
        _tell(enrollment, "payment_received", {
            "name": enrollment.learner.first_name, "title": enrollment.offering.course.title,
        })  # fmt: skip
    return enrollment


def _recorded(enrollment: Enrollment, action: str, attempt_id: Any) -> bool:
    """Whether this payment attempt was already handled for the enrollment (its audit row)."""
    return (
        attempt_id is not None
        and AuditLogEntry.objects.filter(
            action=action, object_id=str(enrollment.pk), after__attempt=attempt_id
        ).exists()
    )


def _tell_money_kept(enrollment: Enrollment, *, amount: int, attempt_id: Any, why: str) -> None:
    """Tells the family that a verified payment stayed in its wallet (once per attempt)."""
    action = "enrollment.payment_kept_in_wallet"
    if _recorded(enrollment, action, attempt_id):
        return
    values = {
        "title": enrollment.offering.course.title,
        "name": enrollment.learner.first_name,
        "amount": Money(amount),
    }
    _tell(enrollment, f"payment_kept_{why}", values, event=f"attempt-{attempt_id}")
    audit_record(
        actor=None,
        action=action,
        obj=enrollment,
        after={"amount": amount, "status": enrollment.status, "attempt": attempt_id, "why": why},
    )


# --- registering -----------------------------------------------------------------------


def enrollment_create(
    *,
    guardian: User,
    learner: Learner,
    offering: Offering,
    accept_terms: bool,
    return_url: str = "/",
) -> EnrollmentResult:
    """Registers a learner of the guardian's family in an offering (R2: accepting the
    course's current conditions, whose version and time are kept).

    The seat is taken under the offering's seat lock. The fee comes from the wallet when it
    covers it (confirmed at once, or awaiting approval where the course waits for
    documents); otherwise the seat is held for KARGAH_SEAT_HOLD_SECONDS and a gateway
    payment is started for what the wallet lacks (`result.redirect_url`).
    Refuses with a DomainError (nothing changed): `not_found`, `terms`, `closed`, `age`,
    `already_enrolled`, `clash`, `documents`, `full` (Conflict, 409), `busy` (503).
    """
    family = _check_guardian(guardian, learner)
    if not accept_terms:
        raise DomainError(
            _("To register, read and accept the conditions of the course."), code="terms"
        )
    now = _now()
    conditions = current_conditions(offering.course)
    if conditions is None:
        raise DomainError(_("Registration for this class is not open."), code="closed")
    # Before the lock, what no concurrent registration changes; whether the learner is in
    # the class already or has a clashing one can change meanwhile, so it is read under it.
    # The refusals keep their order: open, age, already registered, clash, documents, full.
    _check_open(offering, now)
    sessions = _session_times(offering)
    _check_age(learner, offering, now, sessions)
    missing = _documents_missing(learner, offering)
    _refuse_if_full(learner, offering, now, sessions=sessions, missing=missing)
    with transaction.atomic():
        _lock_seats(offering.pk, families=[family.pk])
        offering, state = _locked_offering(offering, learner, now)
        _check_open(offering, now)
        if state.enrolled:
            raise _already_enrolled(learner)
        _check_no_clash(learner, offering, sessions=sessions)
        _refuse_missing_documents(missing)
        _claim_seat(learner, offering, now, state=state)
        fee = int(offering.fee_rials or 0)
        wallet, revenue, balance = wallet_and_system_account(family, AccountKind.COURSE_REVENUE)
        paid = balance >= fee
        if not paid:
            status = EnrollmentStatus.AWAITING_PAYMENT
        elif _waits_for_approval(learner, offering):
            status = EnrollmentStatus.AWAITING_APPROVAL
        else:
            status = EnrollmentStatus.CONFIRMED
        enrollment = Enrollment(
            learner=learner,
            family=family,
            offering=offering,
            status=status,
            conditions=conditions,
            conditions_accepted_at=now,
            fee_rials=fee,
            paid_rials=fee if paid else 0,
            paid_at=now if paid else None,
            confirmed_at=now if status == EnrollmentStatus.CONFIRMED else None,
            hold_expires_at=None if paid else now + dt.timedelta(seconds=_hold_seconds()),
        )
        try:
            enrollment.save(force_insert=True)
        except IntegrityError:  # a concurrent registration of the same learner won
            raise _already_enrolled(learner) from None  # (rolls this transaction back)
        if paid and fee > 0:
            ledger_post_new(
                reference=f"enrollment:{enrollment.pk}:paid",
                kind=TransactionKind.ENROLLMENT_PAYMENT,
                entries=[(wallet, -fee), (revenue, fee)],
                memo=f"{offering.course.title} — {learner.full_name}",
                actor=guardian if guardian.is_authenticated else None,
            )
        _audit_new_place(enrollment, guardian=guardian, conditions=conditions, paid=paid)
        if not paid:
            _tell(enrollment, "seat_held", {
                "title": offering.course.title, "name": learner.first_name,
                "until": When(enrollment.hold_expires_at), "link": _offering_url(offering),
            })  # fmt: skip
        if paid:
            _tell_paid_from_wallet(enrollment)
            return EnrollmentResult(enrollment=enrollment, paid_from_wallet=fee > 0)
    # The gateway is called after the seat's transaction has committed, so that the seat
    # lock is never held across a call to a bank; inside an Idempotency-Key's transaction
    # that is after the key's commit, so the caller starts it (kargah.core.idempotency).
    if in_key_transaction():
        return EnrollmentResult(enrollment=enrollment, payment_due=enrollment.fee_rials - balance)
    return _gateway_for(enrollment, guardian=guardian, balance=balance, return_url=return_url)


def enrollment_payment_start(
    *, guardian: User, enrollment: Enrollment, amount: int, return_url: str = "/"
) -> EnrollmentResult:
    """Asks the gateway for `amount` of a place just held (`EnrollmentResult.payment_due`);
    if no payment can be started the seat is given back and the error raised."""
    balance = enrollment.fee_rials - amount
    return _gateway_for(enrollment, guardian=guardian, balance=balance, return_url=return_url)


def _tell_paid_from_wallet(enrollment: Enrollment) -> None:
    """Every change a family makes is confirmed by a message (issue 8, item 6), as the
    gateway-paid path does on the bank's confirmation."""
    values = {"name": enrollment.learner.first_name, "title": enrollment.offering.course.title}
    if enrollment.status == EnrollmentStatus.CONFIRMED:
        _tell(enrollment, "enrollment_confirmed", {**values, "how": PAID_FROM_WALLET})
    else:  # the documents' approval confirms it later, with its own message
        _tell(enrollment, "enrollment_paid", values)


def _audit_new_place(
    enrollment: Enrollment, *, guardian: User, conditions: Any, paid: bool
) -> None:
    """The same two audit rows as for a place paid later, in one insert: created awaiting
    payment (with no hold, when it is paid in the same transaction), then paid."""
    after = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
    created = (
        {**after, "status": EnrollmentStatus.AWAITING_PAYMENT.value, "paid_rials": 0}
        if paid
        else after
    )
    records = [
        audit_entry(
            actor=guardian, action="enrollment.created", obj=enrollment,
            after={**created, "conditions_version": conditions.version},
        ),
    ]  # fmt: skip
    if paid:
        action = (
            "enrollment.confirmed"
            if enrollment.status == EnrollmentStatus.CONFIRMED
            else "enrollment.paid_awaiting_approval"
        )
        records.append(
            audit_entry(actor=guardian, action=action, obj=enrollment, before=created, after=after)
        )
    audit_records(*records)


def _gateway_for(
    enrollment: Enrollment, *, guardian: User, balance: int, return_url: str
) -> EnrollmentResult:
    try:
        attempt = _start_payment(
            enrollment, guardian=guardian, amount=enrollment.fee_rials - balance,
            return_url=return_url,
        )  # fmt: skip
    except Exception:
        # No payment could be started: give the seat back at once rather than leave a
        # hold nobody can pay (rule 12: no half-done registration).
        _hold_cancel(enrollment, actor=guardian, action="enrollment.payment_not_started")
        raise
    return EnrollmentResult(enrollment=enrollment, payment=attempt)


def _hold_cancel(enrollment: Enrollment, *, actor: Any, action: str) -> None:
    now = _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id)
        locked = (
            Enrollment.objects.select_for_update().select_related("offering").get(pk=enrollment.pk)
        )
        if locked.status != EnrollmentStatus.AWAITING_PAYMENT:
            return
        before = snapshot(locked, ENROLLMENT_AUDIT_FIELDS)
        _transition(locked, EnrollmentStatus.CANCELLED, now=now)
        _save(locked, actor=actor, action=action, before=before)
        _seat_freed(locked.offering, now)
    enrollment.refresh_from_db()


def enrollment_pay(
    *, guardian: User, enrollment: Enrollment, return_url: str = "/"
) -> EnrollmentResult:
    """Pays for a place still awaiting payment (e.g. after a failed or abandoned gateway
    payment, or after a top-up): from the wallet when it covers the fee, otherwise a new
    gateway payment for what it lacks. The hold keeps its original expiry."""
    family = _check_payer(guardian, enrollment)
    now = _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, families=[family.pk])
        locked = (
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course")
            .get(pk=enrollment.pk)
        )
        if locked.status != EnrollmentStatus.AWAITING_PAYMENT:
            raise DomainError(_("This registration is not awaiting payment."), code="status")
        if locked.hold_expires_at is not None and locked.hold_expires_at <= now:
            raise DomainError(
                _("The seat was held for you until %(until)s; register again.")
                % {"until": format_jalali_datetime(locked.hold_expires_at)},
                code="hold_expired",
            )
        balance = wallet_balance(family=family)
        if balance >= locked.fee_rials:
            _pay_from_wallet(locked, actor=guardian, now=now)
            _tell_paid_from_wallet(locked)
            return EnrollmentResult(enrollment=locked, paid_from_wallet=locked.fee_rials > 0)
    attempt = _start_payment(
        locked, guardian=guardian, amount=locked.fee_rials - balance, return_url=return_url
    )
    return EnrollmentResult(enrollment=locked, payment=attempt)


def enrollment_documents_reviewed(
    *, learner: Learner, course: Any, actor: Any = None
) -> list[Enrollment]:
    """Called by the documents app after staff review a learner's documents: places of the
    learner in the course's offerings that were paid and waited for approval are confirmed
    once nothing is missing or awaiting approval. Returns the confirmed enrollments."""
    now = _now()
    confirmed: list[Enrollment] = []
    waiting = Enrollment.objects.filter(
        learner=learner, offering__course=course, status=EnrollmentStatus.AWAITING_APPROVAL
    ).values_list("pk", "offering_id")
    for pk, offering_id in list(waiting):
        with transaction.atomic():
            _lock_seats(offering_id)
            enrollment = (
                Enrollment.objects.select_for_update()
                .select_related("learner", "family__guardian", "offering__course")
                .get(pk=pk)
            )
            if enrollment.status != EnrollmentStatus.AWAITING_APPROVAL:
                continue
            if _documents_missing(learner, enrollment.offering) or _waits_for_approval(
                learner, enrollment.offering
            ):
                continue
            before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
            _transition(enrollment, EnrollmentStatus.CONFIRMED, now=now)
            _save(enrollment, actor=actor, action="enrollment.confirmed", before=before)
            _tell(enrollment, "enrollment_confirmed", {
                "how": DOCUMENTS_APPROVED, "name": learner.first_name,
                "title": enrollment.offering.course.title,
            })  # fmt: skip
            confirmed.append(enrollment)
    return confirmed


# --- holds and the waiting list ----------------------------------------------------------


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


def waiting_list_join(*, guardian: User, learner: Learner, offering: Offering) -> WaitingListEntry:
    """Puts a learner on a full offering's waiting list (first come, first offered)."""
    family = _check_guardian(guardian, learner)
    now = _now()
    _check_open(offering, now)
    _check_age(learner, offering, now)
    _check_not_enrolled(learner, offering)
    with transaction.atomic():
        _lock_seats(offering.pk)
        offering = Offering.objects.select_related("course").get(pk=offering.pk)
        _check_open(offering, now)
        _release_expired(offering, now)
        if WaitingListEntry.objects.filter(
            offering=offering, learner=learner, status__in=WAITING_OPEN_STATUSES
        ).exists():
            raise DomainError(
                _("%(name)s is already on the waiting list of this class.")
                % {"name": learner.first_name},
                code="already_waiting",
            )
        if _seats_held(offering, now) < offering.capacity:
            raise DomainError(_("This class has free seats; register instead."), code="not_full")
        entry = WaitingListEntry.objects.create(offering=offering, learner=learner, family=family)
        audit_record(actor=guardian, action="waiting_list.joined", obj=entry)
    return entry


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


def waiting_list_leave(*, guardian: User, entry: WaitingListEntry) -> WaitingListEntry:
    """Takes a learner off a waiting list; a seat offered to them passes to the next."""
    _check_payer(guardian, entry)
    now = _now()
    with transaction.atomic():
        _lock_seats(entry.offering_id)
        locked = (
            WaitingListEntry.objects.select_for_update()
            .select_related("offering__course")
            .get(pk=entry.pk)
        )
        if locked.status not in WAITING_OPEN_STATUSES:
            return locked
        # An offer holds a seat (counted in seats_taken until released, even if expired).
        was_offered = locked.status == WaitingStatus.OFFERED
        _waiting_transition(locked, WaitingStatus.LEFT, now=now)
        locked.save(update_fields=["status", "ended_at"])
        audit_record(actor=guardian, action="waiting_list.left", obj=locked)
        if was_offered:
            _seat_freed(locked.offering, now)
    return locked


def waiting_list_end_for_family(*, learner: Learner, family_id: int, actor: Any) -> int:
    """Takes the child off every waiting list the family put it on: called when the family's
    link to the child is revoked (it may no longer register the child, so a seat offered to
    it would only wait for its expiry); an offered seat passes to the next at once. Its
    places stay (docs/learner-links.md). Returns how many entries ended."""
    now = _now()
    ended = 0
    entries = WaitingListEntry.objects.filter(
        learner=learner, family_id=family_id, status__in=WAITING_OPEN_STATUSES
    ).values_list("pk", "offering_id")
    for pk, offering_id in list(entries):
        with transaction.atomic():
            _lock_seats(offering_id)
            locked = (
                WaitingListEntry.objects.select_for_update()
                .select_related("offering__course")
                .get(pk=pk)
            )
            if locked.status not in WAITING_OPEN_STATUSES:
                continue
            was_offered = locked.status == WaitingStatus.OFFERED
            _waiting_transition(locked, WaitingStatus.LEFT, now=now)
            locked.save(update_fields=["status", "ended_at"])
            audit_record(actor=actor, action="waiting_list.link_revoked", obj=locked)
            if was_offered:
                _seat_freed(locked.offering, now)
            ended += 1
    return ended


# --- drop and switch (R4) ----------------------------------------------------------------


def _locked_active_place(enrollment_id: int) -> Enrollment:
    """The place row-locked and read afresh; one that has ended is refused (so a second
    drop or cancellation changes nothing)."""
    locked = (
        Enrollment.objects.select_for_update()
        .select_related("learner", "family__guardian", "offering__course")
        .get(pk=enrollment_id)
    )
    if locked.status not in ACTIVE_STATUSES:
        raise DomainError(_("This registration has already ended."), code="status")
    return locked


def drop_deadline(offering: Offering) -> dt.datetime | None:
    """R4: dropping or switching is possible until one day before registration closes:
    until the same wall-clock time in Tehran on the day before registration closes
    (today that is exactly 24 hours before, as Iran keeps no daylight saving time).
    Allowed strictly before this instant; from this instant on, refused."""
    if offering.registration_closes_at is None:
        return None
    closes = to_tehran(offering.registration_closes_at)
    day_before = (closes.replace(tzinfo=None) - dt.timedelta(days=1)).replace(tzinfo=closes.tzinfo)
    return day_before


def _check_deadline(enrollment: Enrollment, now: dt.datetime) -> None:
    deadline = drop_deadline(enrollment.offering)
    if deadline is None or now >= deadline:
        raise DomainError(
            _("Dropping or switching this class was possible until %(deadline)s, one day "
              "before registration closes; that time has passed.")
            % {"deadline": format_jalali_datetime(deadline) if deadline else "—"},
            code="deadline",
        )  # fmt: skip


def _credit(enrollment: Enrollment, *, cause: str, kind: str, actor: Any, amount: int) -> None:
    if amount <= 0:
        return
    ledger_post(
        reference=f"enrollment:{enrollment.pk}:{cause}",
        kind=kind,
        entries=[
            (system_account(AccountKind.COURSE_REVENUE), -amount),
            (family_wallet(enrollment.family), amount),
        ],
        memo=f"{enrollment.offering.course.title} — {enrollment.learner.full_name}",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def enrollment_drop(*, guardian: User, enrollment: Enrollment) -> Enrollment:
    """Drops a place before the R4 deadline: a confirmed one becomes dropped, one paid and
    awaiting document approval becomes cancelled; what was paid goes to the wallet at once,
    and the seat is offered to the waiting list. An unpaid hold can be given up at any
    time (cancelled; no money moved)."""
    family = _check_payer(guardian, enrollment)
    now = _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, families=[family.pk])
        locked = _locked_active_place(enrollment.pk)
        before = snapshot(locked, ENROLLMENT_AUDIT_FIELDS)
        if locked.status == EnrollmentStatus.AWAITING_PAYMENT:
            _transition(locked, EnrollmentStatus.CANCELLED, now=now)
            _save(locked, actor=guardian, action="enrollment.hold_given_up", before=before)
        else:
            _check_deadline(locked, now)
            new = (
                EnrollmentStatus.DROPPED
                if locked.status == EnrollmentStatus.CONFIRMED
                else EnrollmentStatus.CANCELLED
            )
            _transition(locked, new, now=now)
            _credit(
                locked, cause="drop", kind=TransactionKind.DROP_CREDIT, actor=guardian,
                amount=locked.paid_rials,
            )  # fmt: skip
            _save(locked, actor=guardian, action="enrollment.dropped", before=before)
        _seat_freed(locked.offering, now)
        values = {"name": locked.learner.first_name, "title": locked.offering.course.title}
        if before["status"] == EnrollmentStatus.AWAITING_PAYMENT:
            _tell(locked, "hold_given_up", values)
        else:
            credit = Fragment(DROP_CREDIT, amount=Money(locked.paid_rials))
            _tell(
                locked,
                "enrollment_dropped",
                {**values, "credit": credit if locked.paid_rials else ""},
            )
    return locked


def enrollment_switch(
    *,
    guardian: User,
    enrollment: Enrollment,
    offering: Offering,
    accept_terms: bool = True,
) -> Enrollment:
    """Moves a confirmed place to another offering with a free seat, before the R4
    deadline of the current one. The new offering is checked as for registering, and its
    course's current conditions are recorded as accepted (the UI shows them by the
    button). The difference in fee is settled through the wallet in one ledger
    transaction: a cheaper class credits it; a dearer one takes it from the wallet, and if
    the wallet does not cover it the switch is refused (`insufficient_balance`, with the
    amount to top up in `extra["shortfall"]`). Returns the new, confirmed enrollment (or
    awaiting approval when the new course waits for documents)."""
    learner = enrollment.learner
    # The payer's place, and a new registration of the child: a revoked link allows neither.
    family = _check_payer(guardian, enrollment)
    _check_guardian(guardian, learner)
    if not accept_terms:
        raise DomainError(
            _("To register, read and accept the conditions of the course."), code="terms"
        )
    if offering.pk == enrollment.offering_id:
        raise DomainError(_("Choose another class to switch to."), code="same_offering")
    now = _now()
    conditions = current_conditions(offering.course)
    if conditions is None:
        raise DomainError(_("Registration for this class is not open."), code="closed")
    if enrollment.status != EnrollmentStatus.CONFIRMED:
        raise DomainError(_("Only a confirmed registration can be switched."), code="status")
    _check_deadline(enrollment, now)
    _check_can_register(learner, offering, now, ignore=enrollment.pk)
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, offering.pk, families=[family.pk])
        old = (
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course")
            .get(pk=enrollment.pk)
        )
        if old.status != EnrollmentStatus.CONFIRMED:
            raise DomainError(_("Only a confirmed registration can be switched."), code="status")
        _check_deadline(old, now)
        offering = Offering.objects.select_related("course").get(pk=offering.pk)
        _check_open(offering, now)
        _check_not_enrolled(learner, offering)
        _check_no_clash(learner, offering, ignore=old.pk)
        new_fee = int(offering.fee_rials or 0)
        difference = new_fee - old.paid_rials
        if difference > 0:
            balance = wallet_balance(family=family)
            if balance < difference:
                raise InsufficientBalance(
                    _("The new class costs %(diff)s more and the wallet has %(balance)s."
                      " Top up the wallet with at least %(short)s, then switch.")
                    % {
                        "diff": format_money(difference),
                        "balance": format_money(balance),
                        "short": format_money(difference - balance),
                    },
                    extra={"shortfall": difference - balance},
                )  # fmt: skip
        _claim_seat(learner, offering, now)
        new = Enrollment.objects.create(
            learner=learner,
            family=family,
            offering=offering,
            status=EnrollmentStatus.AWAITING_PAYMENT,
            conditions=conditions,
            conditions_accepted_at=now,
            fee_rials=new_fee,
            paid_rials=new_fee,
            paid_at=now,
        )
        if difference:
            ledger_post(
                reference=f"enrollment:{old.pk}:switch",
                kind=TransactionKind.SWITCH,
                entries=[
                    (family_wallet(family), -difference),
                    (system_account(AccountKind.COURSE_REVENUE), difference),
                ],
                memo=f"{old.offering.course.title} → {offering.course.title}",
                actor=guardian,
            )
        if _waits_for_approval(learner, offering):
            _transition(new, EnrollmentStatus.AWAITING_APPROVAL, now=now)
        else:
            _transition(new, EnrollmentStatus.CONFIRMED, now=now)
        new.save()
        audit_record(
            actor=guardian, action="enrollment.switched_in", obj=new,
            after={**snapshot(new, ENROLLMENT_AUDIT_FIELDS), "from": old.pk,
                   "conditions_version": conditions.version},
        )  # fmt: skip
        before = snapshot(old, ENROLLMENT_AUDIT_FIELDS)
        _transition(old, EnrollmentStatus.SWITCHED, now=now)
        old.switched_to = new
        _save(old, actor=guardian, action="enrollment.switched", before=before)
        _seat_freed(old.offering, now)
        _tell(new, "enrollment_switched", {
            "name": learner.first_name, "old": old.offering.course.title,
            "new": offering.course.title,
        })  # fmt: skip
    return new


# --- closing registration at quorum (P2) -------------------------------------------------


def _offering_transition(offering: Offering, new_status: str) -> None:
    if new_status not in OFFERING_TRANSITIONS.get(offering.status, set()):
        raise DomainError(_("This class cannot change to that state."), code="status")
    offering.status = new_status
    offering.save(update_fields=["status"])


def _cancel_place(
    enrollment: Enrollment,
    *,
    now: dt.datetime,
    cause: str,
    kind: str,
    action: str,
    actor: Any = None,
    reason: str = "",
) -> int:
    """The step every cancellation not of the family's making shares (quorum P2, the
    center): the place is cancelled and audited, and what was paid goes to the wallet (the
    unique reference `enrollment:<id>:<cause>` credits it once however often it runs).
    Returns the Rials credited. The caller holds the seat lock and frees the seat."""
    before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
    paid = enrollment.paid_rials if enrollment.status in PAID_STATUSES else 0
    _transition(enrollment, EnrollmentStatus.CANCELLED, now=now)
    _credit(enrollment, cause=cause, kind=kind, actor=actor, amount=paid)
    _save(enrollment, actor=actor, action=action, before=before, reason=reason)
    return paid


def _similar_lines(enrollment: Enrollment, now: dt.datetime) -> Fragment | str:
    """Up to three similar open classes for the child, as the lines of an SMS (rule 3)."""
    from kargah.enrollment.selectors import similar_offerings

    similar = similar_offerings(learner=enrollment.learner, offering=enrollment.offering, now=now)
    if not similar:
        return ""
    classes = "".join(f"\n{other.course.title}: {_offering_url(other)}" for other in similar)
    return Fragment(SIMILAR_CLASSES, name=enrollment.learner.first_name, classes=classes)


def _quorum_cancel_enrollment(
    enrollment: Enrollment, *, now: dt.datetime, report: CloseReport
) -> None:
    """One place of an offering cancelled below quorum: what was paid goes to the wallet."""
    paid = _cancel_place(
        enrollment, now=now, cause="quorum", kind=TransactionKind.QUORUM_CREDIT,
        action="enrollment.cancelled_quorum",
    )  # fmt: skip
    if paid:
        report.credited_enrollments += 1
        report.credited_rials += paid
    if paid:
        outcome = Fragment(QUORUM_CREDIT, amount=Money(paid))
    else:
        outcome = Fragment(QUORUM_NO_CREDIT, name=enrollment.learner.first_name)
    _tell(enrollment, "quorum_cancelled", {
        "title": enrollment.offering.course.title, "outcome": outcome,
        "similar": _similar_lines(enrollment, now),
    })  # fmt: skip


def _close_one(offering_id: int, *, now: dt.datetime, report: CloseReport) -> None:
    with transaction.atomic():
        _lock_seats(offering_id)
        offering = Offering.objects.select_for_update().select_related("course").get(pk=offering_id)
        if offering.status != OfferingStatus.PUBLISHED or (
            offering.registration_closes_at is None or offering.registration_closes_at > now
        ):
            return  # done by an earlier run (or changed meanwhile)
        # The waiting list ends with registration; offered seats are given back.
        offers = 0
        for entry in WaitingListEntry.objects.select_for_update().filter(
            offering=offering, status__in=WAITING_OPEN_STATUSES
        ):
            offers += entry.status == WaitingStatus.OFFERED
            _waiting_transition(entry, WaitingStatus.EXPIRED, now=now)
            entry.save(update_fields=["status", "ended_at"])
        confirmed = Enrollment.objects.filter(
            offering=offering, status=EnrollmentStatus.CONFIRMED
        ).count()
        before = {"status": offering.status}
        if confirmed >= offering.quorum:
            _offering_transition(offering, OfferingStatus.REGISTRATION_CLOSED)
            # Unexpired holds may still be paid (the family began before the close);
            # expired ones end now.
            holds = list(
                Enrollment.objects.select_for_update().filter(
                    offering=offering,
                    status=EnrollmentStatus.AWAITING_PAYMENT,
                    hold_expires_at__lte=now,
                )
            )
            for enrollment in holds:
                b = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
                _transition(enrollment, EnrollmentStatus.CANCELLED, now=now)
                _save(enrollment, actor=None, action="enrollment.hold_expired", before=b)
                _tell_hold_expired(enrollment, offering)
            _tell_quorum_met(offering)
            _free_seats(offering.pk, offers + len(holds))
            audit_record(
                actor=None, action="offering.registration_closed", obj=offering,
                before=before, after={"status": offering.status, "confirmed": confirmed},
            )  # fmt: skip
            report.proceeded.append(offering.pk)
        else:
            _offering_transition(offering, OfferingStatus.CANCELLED)
            audit_record(
                actor=None, action="offering.cancelled_quorum", obj=offering,
                before=before,
                after={"status": offering.status, "confirmed": confirmed,
                       "quorum": offering.quorum},
                reason="quorum not met (P2)",
            )  # fmt: skip
            active = list(
                Enrollment.objects.select_for_update()
                .select_related("learner", "family__guardian", "offering__course__category")
                .filter(offering=offering, status__in=ACTIVE_STATUSES)
                .order_by("id")
            )
            for enrollment in active:
                _quorum_cancel_enrollment(enrollment, now=now, report=report)
            _free_seats(offering.pk, offers + len(active))
            report.cancelled.append(offering.pk)
        catalog_changed()


def offerings_close_registration(*, now: dt.datetime | None = None) -> CloseReport:
    """The minute job: closes registration of every published offering whose window has
    ended. At or above quorum (confirmed places) it proceeds (registration closed); below
    it the offering is cancelled and each family's payment credited to its wallet at once,
    with an SMS naming up to three similar open classes for the child (P2, rule 3).

    Each offering is closed in one transaction under its seat lock, and every credit has a
    unique ledger reference: a run that is killed rolls back the offering it was on, and
    the next run closes it whole; a rerun changes nothing. An offering whose closing fails
    is logged, reported in `failed`, and retried by the next run."""
    now = now or _now()
    report = CloseReport()
    due = list(
        Offering.objects.filter(status=OfferingStatus.PUBLISHED, registration_closes_at__lte=now)
        .order_by("registration_closes_at", "id")
        .values_list("pk", flat=True)
    )
    for offering_id in due:
        # Counted apart and merged only when the offering's transaction committed.
        part = CloseReport()
        try:
            _close_one(offering_id, now=now, report=part)
        except Exception:
            logger.exception("closing registration of offering %s failed", offering_id)
            report.failed.append(offering_id)
            continue
        report.proceeded += part.proceeded
        report.cancelled += part.cancelled
        report.credited_enrollments += part.credited_enrollments
        report.credited_rials += part.credited_rials
    return report


# --- cancelled by the center ----------------------------------------------------------------

# An offering the center may still cancel: once finished there is nothing left to cancel.
CENTER_CANCELLABLE = (
    OfferingStatus.DRAFT,
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)


@dataclass
class CancelReport:
    """What cancelling an offering did; `already` when an earlier run had cancelled it."""

    offering: Offering
    cancelled_places: int = 0
    credited_rials: int = 0
    already: bool = False


def _check_center_staff(actor: User, offering: Offering) -> None:
    from kargah.catalog.services import _check_manages

    _check_manages(actor, offering.center)


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for the cancellation."), code="reason")
    return reason


def _wallet_url() -> str:
    return _site_url(reverse("wallet:refund_create"))


def _center_cancel_body(enrollment: Enrollment, *, paid: int, reason: str) -> dict[str, Any]:
    """The message of a place cancelled by the center: why, the credit and the one-click
    way to the bank refund (the wallet page)."""
    credit = Fragment(CENTER_CANCEL_CREDIT, amount=Money(paid), wallet=_wallet_url())
    return {
        "title": enrollment.offering.course.title,
        "name": enrollment.learner.first_name,
        "reason": reason,
        "credit": credit if paid else "",
    }


def offering_cancel(
    *, actor: User, offering: Offering, reason: str, now: dt.datetime | None = None
) -> CancelReport:
    """Cancels an offering by the center (not quorum; DOMAIN rule 3 by analogy, rule 9):
    every active place is cancelled and what its family paid goes to its wallet through the
    ledger at once, the waiting list ends, the seats are freed, and each family is told by
    one SMS with the way to a bank refund and up to three similar open classes. Audited and
    recorded as a service event, in the same transaction.

    Under the offering's seat lock and row lock, a second run (after or alongside the
    first) finds the offering cancelled and changes nothing (`already`); each credit's
    unique reference is the last guard."""
    _check_center_staff(actor, offering)
    reason = _check_reason(reason)
    now = now or _now()
    sms: list[tuple[Enrollment, dict[str, Any]]] = []
    with transaction.atomic():
        _lock_seats(offering.pk)
        locked = _offering_to_cancel(offering.pk)
        report = CancelReport(offering=locked)
        if locked.status == OfferingStatus.CANCELLED:
            report.already = True
            return report
        if locked.status not in CENTER_CANCELLABLE:
            raise DomainError(_("A finished class cannot be cancelled."), code="status")
        before = {"status": locked.status}
        _offering_transition(locked, OfferingStatus.CANCELLED)
        offers = 0
        for entry in WaitingListEntry.objects.select_for_update().filter(
            offering=locked, status__in=WAITING_OPEN_STATUSES
        ):
            offers += entry.status == WaitingStatus.OFFERED
            _waiting_transition(entry, WaitingStatus.EXPIRED, now=now)
            entry.save(update_fields=["status", "ended_at"])
        active = list(
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course__category")
            .filter(offering=locked, status__in=ACTIVE_STATUSES)
            .order_by("id")
        )
        for enrollment in active:
            paid = _cancel_place(
                enrollment, now=now, cause="cancel", kind=TransactionKind.CANCEL_CREDIT,
                action="enrollment.cancelled_by_center", actor=actor, reason=reason,
            )  # fmt: skip
            report.cancelled_places += 1
            report.credited_rials += paid
            sms.append((enrollment, {
                **_center_cancel_body(enrollment, paid=paid, reason=reason),
                "similar": _similar_lines(enrollment, now),
            }))  # fmt: skip
        _free_seats(locked.pk, offers + len(active))
        audit_record(
            actor=actor, action="offering.cancelled_by_center", obj=locked, before=before,
            after={"status": locked.status, "places": report.cancelled_places,
                   "credited_rials": report.credited_rials},
            reason=reason,
        )  # fmt: skip
        service_event_record(
            kind=ServiceEventKind.OFFERING_CANCELLED, offering=locked, at=now, cause="center",
            details={"reason": reason, "by": actor.pk, "places": report.cancelled_places,
                     "credited_rials": report.credited_rials},
        )  # fmt: skip
        for enrollment, context in sms:
            _tell(enrollment, "offering_cancelled", context)
        catalog_changed()
    return report


def _offering_to_cancel(offering_id: int) -> Offering:
    """The offering, row-locked and read afresh (the race test's control run replaces this
    with a plain read, to show what the lock prevents)."""
    return (
        Offering.objects.select_for_update().select_related("course", "center").get(pk=offering_id)
    )


def enrollment_cancel_by_center(
    *, actor: User, enrollment: Enrollment, reason: str, now: dt.datetime | None = None
) -> Enrollment:
    """Cancels one place by the center (e.g. the learner was moved, for a reason given):
    what the family paid goes to its wallet at once, the seat goes to the waiting list, the
    change is audited with the reason and the family is told. A place already ended is
    refused, so a second click or run moves no money."""
    _check_center_staff(actor, enrollment.offering)
    reason = _check_reason(reason)
    now = now or _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, families=[enrollment.family_id])
        locked = _locked_active_place(enrollment.pk)
        paid = _cancel_place(
            locked, now=now, cause="cancel", kind=TransactionKind.CANCEL_CREDIT,
            action="enrollment.cancelled_by_center", actor=actor, reason=reason,
        )  # fmt: skip
        _seat_freed(locked.offering, now)
        _tell(
            locked,
            "enrollment_cancelled_by_center",
            _center_cancel_body(locked, paid=paid, reason=reason),
        )
    return locked


# --- the end of a class (issue 10) -------------------------------------------------------


def enrollments_complete(*, offering: Offering, now: dt.datetime) -> int:
    """confirmed → completed for every confirmed place of a finished offering, each
    audited; called by the lifecycle job in the transaction that finishes the offering
    (under its lock). Returns how many places completed."""
    if offering.status != OfferingStatus.FINISHED:
        raise DomainError(_("Only a finished class completes its places."), code="status")
    places = list(
        Enrollment.objects.select_for_update()
        .filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
        .order_by("id")
    )
    for enrollment in places:
        before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
        _transition(enrollment, EnrollmentStatus.COMPLETED, now=now)
        _save(enrollment, actor=None, action="enrollment.completed", before=before)
    return len(places)
