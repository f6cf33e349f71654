"""Payment services: start, callback (duplicate, late, forged, refused) and the top-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.payments import services
from kargah.payments.gateways import GatewayError, GatewayVerify
from kargah.payments.gateways.sandbox import SandboxGateway, sandbox_decide
from kargah.payments.models import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    SandboxPayment,
)
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import ledger_is_balanced, wallet_balance

pytestmark = pytest.mark.django_db


def _callback(attempt: PaymentAttempt, ok: bool = True) -> PaymentAttempt:
    return services.payment_callback(
        gateway=attempt.gateway, authority=attempt.authority, status_ok=ok
    )


def _money_moved() -> int:
    return LedgerTransaction.objects.count()


def test_start_opens_an_attempt_with_the_gateway(family):
    attempt = services.payment_start(
        family=family, amount=750_000, purpose=PaymentPurpose.TOP_UP, return_url="/wallet/"
    )
    assert attempt.status == PaymentStatus.INITIATED
    assert attempt.gateway == "sandbox"
    assert attempt.authority and attempt.redirect_url == f"/payments/sandbox/{attempt.authority}/"
    assert attempt.expires_at - attempt.created_at == pytest.approx(
        dt.timedelta(minutes=15), abs=dt.timedelta(seconds=5)
    )
    bank = SandboxPayment.objects.get(authority=attempt.authority)
    assert bank.amount == 750_000
    assert bank.callback_url == "/payments/callback/sandbox/"
    assert AuditLogEntry.objects.filter(
        action="payment.started", object_id=str(attempt.pk)
    ).exists()


def test_the_callback_url_is_absolute_when_the_site_address_is_set(family, settings):
    settings.KARGAH_SITE_URL = "https://kargah.example.ir/"
    attempt = services.payment_start(family=family, amount=20_000, purpose=PaymentPurpose.TOP_UP)
    bank = SandboxPayment.objects.get(authority=attempt.authority)
    assert bank.callback_url == "https://kargah.example.ir/payments/callback/sandbox/"


def test_a_paid_callback_credits_the_wallet_once(family, start_top_up):
    attempt = start_top_up(1_200_000)

    done = _callback(attempt)

    assert done.status == PaymentStatus.VERIFIED
    assert done.ref_id and done.verified_at
    assert wallet_balance(family=family) == 1_200_000
    txn = LedgerTransaction.objects.get()
    assert txn.reference == f"payment:{attempt.pk}"
    assert txn.kind == "payment_received"
    assert ledger_is_balanced()
    assert AuditLogEntry.objects.filter(action="payment.verified").count() == 1


def test_a_duplicate_callback_moves_money_once(family, start_top_up):
    attempt = start_top_up(500_000)
    first = _callback(attempt)
    again = _callback(attempt)
    # Even a "cancelled" replay after the payment changes nothing.
    replay_nok = _callback(attempt, ok=False)

    assert first.status == again.status == replay_nok.status == PaymentStatus.VERIFIED
    assert again.ref_id == first.ref_id
    assert wallet_balance(family=family) == 500_000
    assert _money_moved() == 1
    assert AuditLogEntry.objects.filter(action="payment.verified").count() == 1


def test_a_forged_callback_for_an_unknown_authority_moves_nothing(family, start_top_up):
    start_top_up(300_000, paid=None)
    before = (PaymentAttempt.objects.filter(status=PaymentStatus.INITIATED).count(), _money_moved())

    for authority in ("A0000000000000000000000000000123456", "", "x" * 500):
        with pytest.raises(DomainError) as caught:
            services.payment_callback(gateway="sandbox", authority=authority, status_ok=True)
        assert caught.value.code == "unknown_payment"
    with pytest.raises(DomainError):  # a real authority, but of another gateway
        attempt = PaymentAttempt.objects.get()
        services.payment_callback(gateway="zarinpal", authority=attempt.authority, status_ok=True)

    after = (PaymentAttempt.objects.filter(status=PaymentStatus.INITIATED).count(), _money_moved())
    assert after == before


def test_a_forged_ok_for_a_payment_the_bank_never_took_fails_it_without_money(family, start_top_up):
    attempt = start_top_up(300_000, paid=None)  # the family never pressed Pay

    done = _callback(attempt, ok=True)  # …but someone claims Status=OK

    assert done.status == PaymentStatus.FAILED
    assert "not paid" in done.failure_reason
    assert wallet_balance(family=family) == 0
    assert _money_moved() == 0


def test_a_cancelled_payment_fails_without_asking_for_money(family, start_top_up, monkeypatch):
    attempt = start_top_up(300_000, paid=False)
    asked = []
    monkeypatch.setattr(SandboxGateway, "verify", lambda self, **kw: asked.append(kw))

    done = _callback(attempt, ok=False)

    assert done.status == PaymentStatus.FAILED
    assert asked == []
    assert wallet_balance(family=family) == 0


def test_an_amount_that_differs_from_what_the_bank_took_is_not_ok(family, start_top_up):
    attempt = start_top_up(300_000)
    # The bank took less than the attempt asks for (e.g. a tampered payment page).
    SandboxPayment.objects.filter(authority=attempt.authority).update(amount=30_000)

    done = _callback(attempt)

    assert done.status == PaymentStatus.FAILED
    assert "amount" in done.failure_reason
    assert wallet_balance(family=family) == 0
    assert SandboxGateway().verify(authority=attempt.authority, amount=300_000).ok is False


def test_the_sandbox_answers_already_verified_the_second_time(start_top_up):
    attempt = start_top_up(300_000)
    gateway = SandboxGateway()
    first = gateway.verify(authority=attempt.authority, amount=300_000)
    second = gateway.verify(authority=attempt.authority, amount=300_000)
    assert (first.ok, first.already_verified) == (True, False)
    assert (second.ok, second.already_verified) == (True, True)
    assert second.ref_id == first.ref_id


def test_an_already_verified_answer_still_credits_the_money(family, start_top_up):
    """The gateway confirmed the payment before, but we never recorded it (the first
    callback's transaction rolled back after verify): the money is ours and is credited."""
    attempt = start_top_up(400_000)
    SandboxGateway().verify(authority=attempt.authority, amount=400_000)

    done = _callback(attempt)

    assert done.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 400_000


def test_a_late_callback_after_expiry_still_credits_the_wallet(family, start_top_up):
    attempt = start_top_up(900_000)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.payments_expire() == 1
    attempt.refresh_from_db()
    assert attempt.status == PaymentStatus.EXPIRED

    done = _callback(attempt)

    assert done.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 900_000
    assert AuditLogEntry.objects.get(action="payment.verified").reason == "late callback"


def test_a_late_cancel_leaves_an_expired_attempt_expired(start_top_up):
    attempt = start_top_up(900_000, paid=False)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    services.payments_expire()
    assert _callback(attempt, ok=False).status == PaymentStatus.EXPIRED


def test_a_genuine_payment_after_a_forged_cancel_is_still_credited(family, start_top_up):
    attempt = start_top_up(600_000, paid=None)
    assert _callback(attempt, ok=False).status == PaymentStatus.FAILED  # forged NOK
    sandbox_decide(authority=attempt.authority, pay=True)  # the family really pays

    done = _callback(attempt, ok=True)

    assert done.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 600_000


def test_a_gateway_that_cannot_be_asked_changes_nothing(family, start_top_up, monkeypatch):
    attempt = start_top_up(600_000)

    def silent(self, **kwargs):
        raise GatewayError("sandbox: timed out")

    monkeypatch.setattr(SandboxGateway, "verify", silent)
    with pytest.raises(GatewayError):
        _callback(attempt)
    attempt.refresh_from_db()
    assert attempt.status == PaymentStatus.INITIATED
    assert wallet_balance(family=family) == 0

    monkeypatch.undo()
    assert _callback(attempt).status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 600_000


def test_a_gateway_that_refuses_the_request_fails_the_attempt(family, monkeypatch):
    def refuse(self, **kwargs):
        raise GatewayError("sandbox request: code -9")

    monkeypatch.setattr(SandboxGateway, "request", refuse)
    with pytest.raises(DomainError) as caught:
        services.payment_start(family=family, amount=50_000, purpose=PaymentPurpose.TOP_UP)
    assert caught.value.code == "gateway_error"
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == PaymentStatus.FAILED
    assert attempt.failure_reason == "sandbox request: code -9"


def test_a_reference_the_gateway_hands_out_twice_is_refused(family, monkeypatch):
    first = services.payment_start(family=family, amount=50_000, purpose=PaymentPurpose.TOP_UP)
    original = SandboxGateway.request

    def same_authority(self, **kwargs):
        answer = original(self, **kwargs)
        return type(answer)(authority=first.authority, redirect_url=answer.redirect_url)

    monkeypatch.setattr(SandboxGateway, "request", same_authority)
    with pytest.raises(GatewayError):
        services.payment_start(family=family, amount=60_000, purpose=PaymentPurpose.TOP_UP)
    assert PaymentAttempt.objects.filter(status=PaymentStatus.FAILED).count() == 1


def test_gateway_references_are_unique_per_gateway(family):
    common = {
        "family": family,
        "amount": 10_000,
        "purpose": PaymentPurpose.TOP_UP,
        "expires_at": timezone.now(),
    }
    PaymentAttempt.objects.create(gateway="sandbox", authority="", **common)
    PaymentAttempt.objects.create(gateway="sandbox", authority="", **common)  # not yet known
    PaymentAttempt.objects.create(gateway="sandbox", authority="A1", **common)
    PaymentAttempt.objects.create(gateway="zarinpal", authority="A1", **common)
    with pytest.raises(IntegrityError):
        PaymentAttempt.objects.create(gateway="sandbox", authority="A1", **common)


def test_a_verified_attempt_cannot_go_back():
    attempt = PaymentAttempt(status=PaymentStatus.VERIFIED)
    for target in (PaymentStatus.FAILED, PaymentStatus.EXPIRED, PaymentStatus.INITIATED):
        with pytest.raises(DomainError) as caught:
            services._set_status(attempt, target)
        assert caught.value.code == "bad_transition"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"return_url": "https://evil.example/"},
        {"return_url": "//evil.example/"},
        {"return_url": "/\\evil.example"},
        {"purpose": "donation"},
        {"purpose": PaymentPurpose.ENROLLMENT},  # without its enrollment
    ],
)
def test_start_refuses_what_code_must_never_pass(family, kwargs):
    arguments = {"family": family, "amount": 10_000, "purpose": PaymentPurpose.TOP_UP, **kwargs}
    with pytest.raises(ValueError):
        services.payment_start(**arguments)
    assert not PaymentAttempt.objects.exists()


@pytest.mark.parametrize("amount", [0, -5, 10.5])
def test_start_refuses_an_amount_that_is_not_positive_whole_rials(family, amount):
    with pytest.raises(DomainError):
        services.payment_start(family=family, amount=amount, purpose=PaymentPurpose.TOP_UP)
    assert not PaymentAttempt.objects.exists()


def test_the_top_up_has_bounds(family):
    with pytest.raises(DomainError) as low:
        services.wallet_top_up_start(family=family, amount=9_999, mobile=None)
    with pytest.raises(DomainError) as high:
        services.wallet_top_up_start(family=family, amount=500_000_001, mobile=None)
    assert (low.value.code, high.value.code) == ("amount_too_small", "amount_too_large")
    assert not PaymentAttempt.objects.exists()
    attempt = services.wallet_top_up_start(family=family, amount=10_000, mobile="+989121234567")
    assert attempt.purpose == PaymentPurpose.TOP_UP


def _enrollment_attempt(family, amount=5_000_000):
    enrollment = EnrollmentFactory.create(
        learner__family=family, status=EnrollmentStatus.AWAITING_PAYMENT
    )
    attempt = services.payment_start(
        family=family,
        amount=amount,
        purpose=PaymentPurpose.ENROLLMENT,
        enrollment=enrollment,
        return_url=f"/enrollments/{enrollment.pk}/",
    )
    sandbox_decide(authority=attempt.authority, pay=True)
    return attempt


def test_a_paid_enrollment_calls_the_enrollment_hook_once(family, enrollment_hook):
    attempt = _enrollment_attempt(family)

    _callback(attempt)
    _callback(attempt)

    assert [a.pk for a in enrollment_hook] == [attempt.pk]
    called_with = enrollment_hook[0]
    # The hook sees the money already in the wallet and the attempt already paid.
    assert called_with.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 5_000_000


def test_a_top_up_does_not_call_the_enrollment_hook(start_top_up, enrollment_hook):
    _callback(start_top_up(100_000))
    assert enrollment_hook == []


def test_an_enrollment_that_refuses_the_money_leaves_it_in_the_wallet(
    family, enrollment_hook, monkeypatch
):
    import sys

    def refuse(*, attempt):
        # What the hook wrote before refusing is rolled back to the savepoint…
        AuditLogEntry.objects.create(action="enrollment.half_done", object_type="x", object_id="1")
        raise DomainError("The seat hold ran out and the class is full.", code="full")

    monkeypatch.setattr(
        sys.modules["kargah.enrollment.services_registration"],
        "enrollment_on_payment_verified",
        refuse,
    )
    attempt = _enrollment_attempt(family)

    done = _callback(attempt)

    # …but the payment stays recorded and the money stays in the family's wallet.
    assert done.status == PaymentStatus.VERIFIED
    assert done.notice == "The seat hold ran out and the class is full."
    assert wallet_balance(family=family) == 5_000_000
    assert not AuditLogEntry.objects.filter(action="enrollment.half_done").exists()
    assert ledger_is_balanced()


def test_verify_is_asked_for_the_amount_we_stored_not_anything_from_the_callback(
    start_top_up, monkeypatch
):
    attempt = start_top_up(250_000)
    asked: list[dict] = []

    def record(self, *, authority, amount):
        asked.append({"authority": authority, "amount": amount})
        return GatewayVerify(ok=True, ref_id="42")

    monkeypatch.setattr(SandboxGateway, "verify", record)
    _callback(attempt)
    assert asked == [{"authority": attempt.authority, "amount": 250_000}]


def test_with_the_real_enrollment_hook_a_paid_place_is_confirmed_and_the_wallet_nets_out(family):
    """The contract with the enrollment app: the payment credits the wallet, the hook then
    takes the fee from it for the place, in the same transaction."""
    attempt = _enrollment_attempt(family, amount=5_000_000)
    enrollment = attempt.enrollment
    assert enrollment is not None
    type(enrollment).objects.filter(pk=enrollment.pk).update(fee_rials=5_000_000)

    done = _callback(attempt)

    enrollment.refresh_from_db()
    assert done.status == PaymentStatus.VERIFIED
    assert enrollment.status in (EnrollmentStatus.CONFIRMED, EnrollmentStatus.AWAITING_APPROVAL)
    assert wallet_balance(family=family) == 0
    assert LedgerTransaction.objects.count() == 2
    assert ledger_is_balanced()


def test_a_busy_enrollment_undoes_the_whole_callback_and_a_retry_completes_it(
    family, enrollment_hook, monkeypatch
):
    import sys

    from kargah.core.locks import Busy

    module = sys.modules["kargah.enrollment.services_registration"]
    recorder = module.enrollment_on_payment_verified

    def busy(*, attempt):
        raise Busy("The system is busy. Please try again in a moment.")

    monkeypatch.setattr(module, "enrollment_on_payment_verified", busy)
    attempt = _enrollment_attempt(family)

    with pytest.raises(Busy):
        _callback(attempt)
    attempt.refresh_from_db()
    assert attempt.status == PaymentStatus.INITIATED
    assert wallet_balance(family=family) == 0

    monkeypatch.setattr(module, "enrollment_on_payment_verified", recorder)
    done = _callback(attempt)  # the sandbox now answers "already verified"
    assert done.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 5_000_000
    assert [a.pk for a in enrollment_hook] == [attempt.pk]


def test_a_top_up_is_confirmed_by_sms(family, start_top_up):
    """Every change a family makes is confirmed by a message (issue 8, item 6)."""
    from kargah.notifications.models import OutboxMessage

    _callback(start_top_up(1_200_000))
    _callback(PaymentAttempt.objects.get())  # the bank calls back twice: one message

    [message] = OutboxMessage.objects.filter(kind="wallet_topped_up")
    assert message.recipient == family.guardian.mobile
    assert "۱۲۰٬۰۰۰ تومان" in message.body and "ریال" not in message.body
