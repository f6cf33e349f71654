"""Registering (R2, rules 6, 8, 9, 12): every refusal changes nothing; the wallet pays first,
the gateway the rest; the seat is held while the family pays."""

from __future__ import annotations

import datetime as dt

import pytest

from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog.models import CourseConditions, Offering, OfferingStatus
from kargah.catalog.tests.factories import CourseConditionsFactory, EnrollmentFactory
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.enrollment import services_common, services_registration, services_seats
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    row_counts,
    top_up,
)
from kargah.notifications.models import OutboxMessage
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def register(guardian, learner, offering, accept_terms=True, **kwargs):
    return services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=accept_terms, **kwargs
    )


# --- every check refuses and changes nothing ------------------------------------------


def refused(code, action):
    before = row_counts()
    with pytest.raises(DomainError) as caught:
        action()
    assert caught.value.code == code, caught.value.code
    assert str(caught.value.message)  # a readable reason, never empty
    assert row_counts() == before
    return caught.value


def test_terms_must_be_accepted(offering, guardian, learner):
    refused("terms", lambda: register(guardian, learner, offering, accept_terms=False))


def test_another_familys_child_is_not_found(offering, learner):
    stranger = GuardianFactory.create()
    error = refused("not_found", lambda: register(stranger, learner, offering))
    assert isinstance(error, NotAllowed)


def test_registration_window_must_be_open(offering, guardian, learner, clock):
    Offering.objects.filter(pk=offering.pk).update(
        registration_opens_at=clock() + dt.timedelta(hours=1)
    )
    offering.refresh_from_db()
    refused("closed", lambda: register(guardian, learner, offering))


def test_registration_is_closed_at_its_closing_instant(offering, guardian, learner, clock):
    clock.current = offering.registration_closes_at
    refused("closed", lambda: register(guardian, learner, offering))


def test_a_draft_offering_is_not_open(guardian, learner, clock):
    draft = make_offering(status=OfferingStatus.DRAFT, with_sessions=True)
    refused("closed", lambda: register(guardian, learner, draft))


def test_the_age_must_fit_on_the_first_session(offering, guardian, clock):
    first = offering.sessions.order_by("starts_at").first().starts_at.date()
    # Turns 13 the day before the first session: too old for 7–12.
    too_old = make_child(
        family=guardian.family,
        birth_date=first.replace(year=first.year - 13) - dt.timedelta(days=1),
    )
    error = refused("age", lambda: register(guardian, too_old, offering))
    assert (
        "۷" in error.message and "۱۲" in error.message and "۱۳" in error.message
    )  # Persian digits
    assert not any(c in error.message for c in "0123456789")
    # Turns 7 on the day of the first session: fits, although six today.
    young = make_child(family=guardian.family, birth_date=first.replace(year=first.year - 7))
    assert register(guardian, young, offering).enrollment.pk


def test_a_child_is_registered_once(offering, guardian, learner):
    top_up(guardian.family, 2 * FEE)
    register(guardian, learner, offering)
    refused("already_enrolled", lambda: register(guardian, learner, offering))


def test_no_clash_with_the_childs_other_classes(offering, guardian, learner):
    top_up(guardian.family, 2 * FEE)
    same_time = make_offering(weekday=0)
    register(guardian, learner, same_time)
    error = refused("clash", lambda: register(guardian, learner, offering))
    assert same_time.course.title in str(error.message)
    other_day = make_offering(weekday=2)
    assert register(guardian, learner, other_day).enrollment.status == EnrollmentStatus.CONFIRMED


def test_a_dropped_class_no_longer_clashes(offering, guardian, learner):
    EnrollmentFactory.create(
        learner=learner, offering=make_offering(weekday=0), status=EnrollmentStatus.DROPPED
    )
    top_up(guardian.family, FEE)
    assert register(guardian, learner, offering).enrollment.status == EnrollmentStatus.CONFIRMED


def test_required_documents_must_be_handed_in(offering, guardian, learner, monkeypatch):
    monkeypatch.setattr(
        services_registration, "_documents_missing", lambda learner, offering: ["رضایت‌نامه ولی"]
    )
    error = refused("documents", lambda: register(guardian, learner, offering))
    assert "رضایت‌نامه ولی" in str(error.message)
    assert error.extra["missing"] == ["رضایت‌نامه ولی"]


def test_a_full_offering_answers_409_and_suggests_the_waiting_list(guardian, learner, clock):
    full = make_offering(capacity=1, quorum=1)
    EnrollmentFactory.create(offering=full)
    error = refused("full", lambda: register(guardian, learner, full))
    assert isinstance(error, Conflict) and error.http_status == 409


def _no_seat_lock(monkeypatch):
    """Makes taking the seat lock fail the test: what follows must be decided without it.
    Every module takes the seat (and wallet) locks through `services_common._lock_seats`,
    which calls `lock_keys` of its own module: patched there, it is refused on any path."""

    def refuse(*keys):
        raise AssertionError("the seat lock was taken")

    monkeypatch.setattr(services_common, "lock_keys", refuse)


def test_a_full_offering_is_refused_without_queueing_for_the_seat_lock(
    guardian, learner, clock, monkeypatch
):
    """In a rush every registration of a popular class queues for its seat lock; once the
    class is full, the refusals are read from the rows and do not join the queue."""
    full = make_offering(capacity=2, quorum=1)
    EnrollmentFactory.create_batch(2, offering=full)
    full.refresh_from_db()
    _no_seat_lock(monkeypatch)
    error = refused("full", lambda: register(guardian, learner, full))
    assert isinstance(error, Conflict)


def test_already_registered_in_a_full_class_says_so(guardian, learner, clock, monkeypatch):
    full = make_offering(capacity=1, quorum=1)
    EnrollmentFactory.create(offering=full, learner=learner)
    full.refresh_from_db()
    _no_seat_lock(monkeypatch)
    refused("already_enrolled", lambda: register(guardian, learner, full))


def _documents(monkeypatch, *names):
    monkeypatch.setattr(
        services_registration, "_documents_missing", lambda learner, offering: list(names)
    )


@pytest.mark.parametrize("full", [False, True], ids=["seats free", "class full"])
def test_refusals_come_in_one_order_whether_or_not_the_class_is_full(
    guardian, learner, clock, monkeypatch, full
):
    """Already registered, then clash, then documents, then full: a family told "full"
    learns nothing it could act on if the child could not have taken the seat anyway."""
    offering = make_offering(capacity=2, quorum=1)
    EnrollmentFactory.create_batch(2 if full else 1, offering=offering)
    offering.refresh_from_db()
    _documents(monkeypatch, "نمونه کار")
    refused("documents", lambda: register(guardian, learner, offering))
    EnrollmentFactory.create(learner=learner, offering=make_offering(weekday=0))
    refused("clash", lambda: register(guardian, learner, offering))


@pytest.mark.parametrize("full", [False, True], ids=["seats free", "class full"])
def test_already_registered_comes_before_every_other_refusal(
    guardian, learner, clock, monkeypatch, full
):
    offering = make_offering(capacity=2 if full else 3, quorum=1)
    EnrollmentFactory.create(learner=learner, offering=offering)
    EnrollmentFactory.create(offering=offering)
    EnrollmentFactory.create(learner=learner, offering=make_offering(weekday=0))  # a clash
    offering.refresh_from_db()
    _documents(monkeypatch, "نمونه کار")
    refused("already_enrolled", lambda: register(guardian, learner, offering))


def test_an_expired_hold_in_a_full_class_goes_on_to_the_lock_and_frees_the_seat(
    guardian, learner, clock, gateway
):
    full = make_offering(capacity=1, quorum=1)
    payer = make_child()
    held = register(payer.family.guardian, payer, full).enrollment
    assert held.status == EnrollmentStatus.AWAITING_PAYMENT
    clock.advance(minutes=16)
    full.refresh_from_db()
    assert full.seats_taken == full.capacity  # the counter still counts the expired hold
    top_up(learner.family, FEE)
    assert register(guardian, learner, full).enrollment.status == EnrollmentStatus.CONFIRMED
    held.refresh_from_db()
    assert held.status == EnrollmentStatus.CANCELLED


def test_a_course_without_conditions_cannot_be_registered(offering, guardian, learner):
    CourseConditions.objects.filter(course=offering.course).delete()
    refused("closed", lambda: register(guardian, learner, offering))


# --- paying from the wallet ------------------------------------------------------------


def test_the_wallet_pays_when_it_covers_the_fee(offering, guardian, learner, clock):
    CourseConditionsFactory.create(course=offering.course, version=2, text="نسخهٔ دوم")
    top_up(guardian.family, FEE + 1_000)

    result = register(guardian, learner, offering)

    enrollment = result.enrollment
    assert result.paid_from_wallet and result.payment is None and result.redirect_url is None
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert enrollment.conditions.version == 2  # R2: the current version, and when
    assert enrollment.conditions_accepted_at == clock()
    assert enrollment.fee_rials == enrollment.paid_rials == FEE
    assert enrollment.confirmed_at == clock() and enrollment.hold_expires_at is None
    assert wallet_balance(family=guardian.family) == 1_000
    assert LedgerTransaction.objects.filter(reference=f"enrollment:{enrollment.pk}:paid").exists()
    offering.refresh_from_db()
    assert offering.seats_taken == 1
    assert AuditLogEntry.objects.filter(
        action="enrollment.confirmed", object_id=str(enrollment.pk)
    ).exists()
    assert money_is_sound()


def test_the_fee_is_kept_as_it_was_at_registration(offering, guardian, learner):
    top_up(guardian.family, FEE)
    enrollment = register(guardian, learner, offering).enrollment
    Offering.objects.filter(pk=offering.pk).update(fee_rials=FEE * 2)
    enrollment.refresh_from_db()
    assert enrollment.fee_rials == FEE


def test_a_free_class_is_confirmed_without_money(guardian, learner, clock):
    free = make_offering(fee_rials=0)
    result = register(guardian, learner, free)
    assert result.enrollment.status == EnrollmentStatus.CONFIRMED
    assert LedgerTransaction.objects.count() == 0


def test_confirmation_can_wait_for_document_approval(offering, guardian, learner, monkeypatch):
    monkeypatch.setattr(
        services_registration, "_waits_for_approval", lambda learner, offering: True
    )
    top_up(guardian.family, FEE)
    enrollment = register(guardian, learner, offering).enrollment
    assert enrollment.status == EnrollmentStatus.AWAITING_APPROVAL
    assert enrollment.paid_rials == FEE and enrollment.confirmed_at is None
    assert wallet_balance(family=guardian.family) == 0

    # Still awaiting: nothing happens; approved: confirmed and told.
    assert (
        services_registration.enrollment_documents_reviewed(learner=learner, course=offering.course)
        == []
    )
    monkeypatch.setattr(
        services_registration, "_waits_for_approval", lambda learner, offering: False
    )
    confirmed = services_registration.enrollment_documents_reviewed(
        learner=learner, course=offering.course
    )
    assert [e.pk for e in confirmed] == [enrollment.pk]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert OutboxMessage.objects.filter(kind="enrollment_confirmed").count() == 1


# --- the wallet first, the gateway the rest ----------------------------------------------


def test_what_the_wallet_lacks_is_paid_through_the_gateway(
    offering, guardian, learner, gateway, clock
):
    top_up(guardian.family, 1_500_000)

    result = register(guardian, learner, offering, return_url="/family/")

    enrollment = result.enrollment
    assert enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
    assert result.needs_payment and result.redirect_url == "/fake-bank/1/"
    assert enrollment.hold_expires_at == clock() + dt.timedelta(seconds=15 * 60)
    (attempt,) = gateway.started
    assert attempt.amount == FEE - 1_500_000 and attempt.purpose == "enrollment"
    assert wallet_balance(family=guardian.family) == 1_500_000  # untouched until paid
    offering.refresh_from_db()
    assert offering.seats_taken == 1  # the seat is held

    clock.advance(minutes=5)
    gateway.pay(attempt)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert enrollment.paid_rials == FEE and enrollment.hold_expires_at is None
    assert wallet_balance(family=guardian.family) == 0
    assert OutboxMessage.objects.filter(kind="payment_received").count() == 1
    assert money_is_sound()


def test_a_second_verified_callback_moves_no_more_money(offering, guardian, learner, gateway):
    enrollment = register(guardian, learner, offering).enrollment
    (attempt,) = gateway.started
    gateway.pay(attempt)
    outbox = OutboxMessage.objects.count()
    services_registration.enrollment_on_payment_verified(attempt=attempt)
    assert OutboxMessage.objects.count() == outbox  # nobody is told twice
    assert LedgerTransaction.objects.filter(reference__startswith="enrollment:").count() == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert wallet_balance(family=guardian.family) == 0


def test_a_payment_for_a_released_seat_stays_in_the_wallet(
    offering, guardian, learner, gateway, clock
):
    enrollment = register(guardian, learner, offering).enrollment
    (attempt,) = gateway.started
    clock.advance(minutes=16)
    assert services_seats.enrollment_holds_release() == 1

    gateway.pay(attempt)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=guardian.family) == FEE  # never lost
    sms = OutboxMessage.objects.get(kind="payment_kept_released")
    assert sms.recipient == guardian.mobile
    services_registration.enrollment_on_payment_verified(attempt=attempt)  # told once per payment
    assert OutboxMessage.objects.filter(kind="payment_kept_released").count() == 1
    assert money_is_sound()


def test_a_payment_just_after_the_hold_expired_still_confirms_the_unreleased_seat(
    offering, guardian, learner, gateway, clock
):
    enrollment = register(guardian, learner, offering).enrollment
    clock.advance(minutes=15, seconds=30)  # expired, but the job has not run yet
    gateway.pay(gateway.started[0])
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert services_seats.enrollment_holds_release() == 0


def test_when_the_wallet_was_spent_meanwhile_the_money_waits_in_it(gateway, clock):
    child = make_child()
    guardian = child.family.guardian
    first, second = make_offering(weekday=1), make_offering(weekday=2)
    top_up(guardian.family, 1_000_000)
    pending = register(guardian, child, first).enrollment
    (attempt,) = gateway.started  # for FEE - 1,000,000
    top_up(guardian.family, FEE - 1_000_000)
    assert register(guardian, child, second).enrollment.status == EnrollmentStatus.CONFIRMED

    gateway.pay(attempt)

    pending.refresh_from_db()
    assert pending.status == EnrollmentStatus.AWAITING_PAYMENT
    assert wallet_balance(family=guardian.family) == FEE - 1_000_000
    assert OutboxMessage.objects.filter(kind="payment_kept_short").count() == 1
    # After a top-up, paying again takes it from the wallet.
    top_up(guardian.family, 1_000_000)
    result = services_registration.enrollment_pay(guardian=guardian, enrollment=pending)
    assert result.enrollment.status == EnrollmentStatus.CONFIRMED and result.payment is None
    assert money_is_sound()


def test_a_gateway_that_cannot_start_leaves_no_seat_held(offering, guardian, learner, gateway):
    gateway.fail = True
    with pytest.raises(DomainError):
        register(guardian, learner, offering)
    offering.refresh_from_db()
    assert offering.seats_taken == 0
    assert not Enrollment.objects.filter(status__in=["awaiting_payment", "confirmed"]).exists()


def test_enrollment_pay_refuses_after_the_hold_expired(offering, guardian, learner, gateway, clock):
    enrollment = register(guardian, learner, offering).enrollment
    clock.advance(minutes=15)
    with pytest.raises(DomainError) as caught:
        services_registration.enrollment_pay(guardian=guardian, enrollment=enrollment)
    assert caught.value.code == "hold_expired"


def test_enrollment_pay_starts_a_new_payment_for_what_is_lacking(
    offering, guardian, learner, gateway
):
    enrollment = register(guardian, learner, offering).enrollment
    top_up(guardian.family, 2_000_000)
    result = services_registration.enrollment_pay(
        guardian=guardian, enrollment=enrollment, return_url="/x/"
    )
    assert result.payment.amount == FEE - 2_000_000
    assert len(gateway.started) == 2


def test_an_unknown_attempt_is_ignored(db):
    class Attempt:
        enrollment_id = None

    assert services_registration.enrollment_on_payment_verified(attempt=Attempt()) is None


def test_a_second_payment_for_a_paid_place_stays_in_the_wallet(
    offering, guardian, learner, gateway
):
    enrollment = register(guardian, learner, offering).enrollment
    first = gateway.started[0]
    second = services_registration.enrollment_pay(guardian=guardian, enrollment=enrollment).payment
    gateway.pay(first)
    gateway.pay(second)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED and enrollment.paid_rials == FEE
    assert wallet_balance(family=guardian.family) == second.amount
    assert OutboxMessage.objects.filter(kind="payment_kept_already_paid").count() == 1
    assert money_is_sound()
