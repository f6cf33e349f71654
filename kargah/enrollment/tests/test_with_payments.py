"""Registering with the real payments app and its sandbox bank: the wallet pays first, the
sandbox the rest; the verified callback confirms the place; a late one keeps the money."""

from __future__ import annotations

import pytest

from kargah.enrollment import services_registration, services_seats
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import FEE, money_is_sound, top_up
from kargah.notifications.models import OutboxMessage
from kargah.payments.gateways.sandbox import sandbox_decide
from kargah.payments.models import PaymentStatus
from kargah.payments.services import payment_callback
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def pay_in_sandbox(attempt, *, pay=True):
    sandbox_decide(authority=attempt.authority, pay=pay)
    return payment_callback(gateway=attempt.gateway, authority=attempt.authority, status_ok=pay)


def test_wallet_then_sandbox_then_confirmed(offering, guardian, learner, clock):
    top_up(guardian.family, 1_000_000)

    result = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True,
        return_url="/family/",
    )  # fmt: skip

    attempt = result.payment
    assert attempt.amount == FEE - 1_000_000 and attempt.enrollment_id == result.enrollment.pk
    assert result.redirect_url and attempt.status == PaymentStatus.INITIATED
    paid = pay_in_sandbox(attempt)
    assert paid.status == PaymentStatus.VERIFIED
    enrollment = result.enrollment
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED and enrollment.paid_rials == FEE
    assert wallet_balance(family=guardian.family) == 0
    # The callback again: nothing more moves.
    pay_in_sandbox(attempt)
    assert wallet_balance(family=guardian.family) == 0
    assert money_is_sound()


def test_a_cancelled_sandbox_payment_keeps_the_hold_until_it_expires(
    offering, guardian, learner, clock
):
    result = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    )
    pay_in_sandbox(result.payment, pay=False)
    result.enrollment.refresh_from_db()
    assert result.enrollment.status == EnrollmentStatus.AWAITING_PAYMENT
    again = services_registration.enrollment_pay(guardian=guardian, enrollment=result.enrollment)
    pay_in_sandbox(again.payment)
    result.enrollment.refresh_from_db()
    assert result.enrollment.status == EnrollmentStatus.CONFIRMED


def test_a_late_callback_after_the_seat_was_released_keeps_the_money(
    offering, guardian, learner, clock
):
    result = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    )
    sandbox_decide(authority=result.payment.authority, pay=True)
    clock.advance(minutes=20)
    services_seats.enrollment_holds_release()

    payment_callback(gateway="sandbox", authority=result.payment.authority, status_ok=True)

    result.enrollment.refresh_from_db()
    assert result.enrollment.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=guardian.family) == FEE
    assert OutboxMessage.objects.filter(kind="payment_kept_released").exists()
    assert money_is_sound()
