"""Registering (R2) and paying for a place: the checks, the seat taken, the wallet spent
first and the gateway for the rest, the verified payment's settlement, and the confirmation
once documents are approved (DOMAIN rules 3, 6, 12).

The wallet is spent first; what it does not cover is paid through the gateway, which
credits the wallet, after which `enrollment_on_payment_verified` takes the whole fee from
the wallet. Money that arrives for a seat that is gone stays in the wallet (never lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner, User
from kargah.catalog.models import Offering, Session, SessionStatus
from kargah.catalog.services import current_conditions
from kargah.core.errors import DomainError
from kargah.core.idempotency import in_key_transaction
from kargah.core.models import AuditLogEntry
from kargah.core.persian import format_jalali_datetime, localize_digits, to_tehran
from kargah.core.services import audit_entry, audit_record, audit_records, snapshot
from kargah.enrollment.models import ACTIVE_STATUSES, PAID_STATUSES, Enrollment, EnrollmentStatus
from kargah.enrollment.services_common import (
    ENROLLMENT_AUDIT_FIELDS,
    _check_guardian,
    _check_payer,
    _hold_seconds,
    _lock_seats,
    _now,
    _offering_url,
    _save,
    _tell,
    _transition,
)
from kargah.enrollment.services_seats import (
    SeatState,
    _claim_seat,
    _full,
    _seat_freed,
    _seat_state,
)
from kargah.notifications.catalogue import DOCUMENTS_APPROVED, PAID_FROM_WALLET, Money, When
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.selectors import wallet_balance
from kargah.wallet.services import (
    family_wallet,
    ledger_post,
    ledger_post_new,
    system_account,
    wallet_and_system_account,
)

PAYMENT_PURPOSE = "enrollment"


# --- results -------------------------------------------------------------------------------


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


# --- checks of registering -----------------------------------------------------------------


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


def _locked_offering(
    offering: Offering, learner: Learner | None, now: dt.datetime
) -> tuple[Offering, SeatState]:
    """The offering as it is now and its seats, read under the seat lock (the course is
    the caller's: a registration does not change it)."""
    fresh = Offering.objects.get(pk=offering.pk)
    fresh.course = offering.course
    return fresh, _seat_state(fresh, learner, now)


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


# --- paying --------------------------------------------------------------------------------


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


# --- registering ---------------------------------------------------------------------------


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
