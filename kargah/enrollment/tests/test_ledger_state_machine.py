"""A hypothesis state machine over the money paths, with the real payments app and its
sandbox bank: top-ups, registering (paid from the wallet or through the gateway), paying
again, duplicate, out-of-order, late and forged callbacks, payments expiring, holds
released, drop, switch, closing registration at quorum (run twice), and refunds to the bank
(requested, approved, rejected, paid).

The machine keeps its own model of what should happen: each family's expected wallet
balance (what it paid in, minus what it spent, plus what it was credited), the status of
every enrollment, payment attempt and refund, and the set of ledger references that should
exist. After every step it checks the database against it and the promises of rules 8 and
9: the ledger balances, no wallet is negative, no family is credited twice for one cause,
and every offering's seat counter equals its active enrollments, never above capacity.

Each example runs in a savepoint that its teardown rolls back, so examples never see each
other's rows; it runs the same on SQLite and PostgreSQL. 50 examples of up to 30 steps by default
(about 10 s); KARGAH_LEDGER_EXAMPLES=500 explores further.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import hypothesis
import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kargah.accounts.models import Family, Learner, Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Offering, OfferingStatus
from kargah.catalog.tests.factories import OfferingFactory
from kargah.core.errors import DomainError
from kargah.enrollment import services_drop, services_quorum, services_registration, services_seats
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.payments import services as payments
from kargah.payments.gateways.sandbox import sandbox_decide
from kargah.payments.models import PaymentAttempt, PaymentPurpose, PaymentStatus
from kargah.wallet import refunds
from kargah.wallet.models import (
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    RefundRequest,
    RefundStatus,
)
from kargah.wallet.selectors import ledger_is_balanced

pytestmark = pytest.mark.django_db

HOLD = dt.timedelta(minutes=15)  # KARGAH_SEAT_HOLD_SECONDS below
TTL = dt.timedelta(minutes=15)  # KARGAH_PAYMENT_TTL_SECONDS below
FEES = (3_000_000, 5_000_000, 8_000_000)
TOP_UPS = (1_000_000, 3_000_000, 6_000_000)
OPENING = (0, 4_000_000, 10_000_000, 20_000_000)  # each family's first top-up
REFUNDS = ("quarter", "half", "all", "more")  # of the wallet's balance
QUORUMS = (1, 2, 2)
FAMILIES = 3
CHILDREN = 2  # per family
SHEBA = "IR062960000000100324200001"
S = EnrollmentStatus
P = PaymentStatus
R = RefundStatus

# --- the model -------------------------------------------------------------------------


@dataclass
class FamilyModel:
    guardian: User
    family: Family
    learners: list[Learner]
    balance: int = 0


@dataclass
class OfferingModel:
    pk: int
    fee: int
    capacity: int
    quorum: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    status: str = OfferingStatus.PUBLISHED

    @property
    def deadline(self) -> dt.datetime:
        return self.closes_at - dt.timedelta(days=1)  # Tehran keeps no daylight saving

    def is_open(self, now: dt.datetime) -> bool:
        return self.status == OfferingStatus.PUBLISHED and self.opens_at <= now < self.closes_at


@dataclass
class EnrollmentModel:
    pk: int
    family: int
    learner: int
    offering: int
    fee: int
    status: str = S.AWAITING_PAYMENT
    paid: int = 0
    hold_expires_at: dt.datetime | None = None


@dataclass
class AttemptModel:
    pk: int
    authority: str
    family: int
    amount: int
    enrollment: int | None  # the enrollment's pk
    expires_at: dt.datetime
    bank: str = "pending"  # what the sandbox bank knows: pending, paid, cancelled
    status: str = P.INITIATED


@dataclass
class RefundModel:
    pk: int
    family: int
    amount: int
    status: str = R.REQUESTED
    bank_reference: str = ""


@contextmanager
def refused(code: str) -> Iterator[None]:
    """The service refuses with this code; its transaction is rolled back."""
    with pytest.raises(DomainError) as caught:
        yield
    event(f"refused: {code}")
    assert caught.value.code == code, f"expected {code!r}, got {caught.value.code!r}: {caught}"


class LedgerMachine(RuleBasedStateMachine):
    """One example: three families of two children, three offerings of two seats."""

    clock: ClassVar[Clock]
    start: ClassVar[dt.datetime]

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.clock.current = self.start
        now = self.start
        self.finance = User.objects.create(
            username=f"finance-{uuid.uuid4().hex[:8]}", role=Role.FINANCE
        )
        self.families: list[FamilyModel] = []
        for _ in range(FAMILIES):
            guardian = GuardianFactory.create()
            family = Family.objects.get(guardian=guardian)
            learners = [LearnerFactory.create(family=family) for _ in range(CHILDREN)]
            self.families.append(FamilyModel(guardian=guardian, family=family, learners=learners))
        self.offerings: list[OfferingModel] = []
        for i, fee in enumerate(FEES):
            # Distinct weekdays: no two classes clash. Registration closes a day apart.
            opens, closes = now - dt.timedelta(days=1), now + dt.timedelta(days=10 + i)
            offering = OfferingFactory.create(
                published=True,
                weekly_pattern=[{"weekday": i, "start": "16:00"}],
                first_date=(now + dt.timedelta(days=20)).date(),
                fee_rials=fee,
                capacity=2,
                quorum=QUORUMS[i],
                registration_opens_at=opens,
                registration_closes_at=closes,
            )
            self.offerings.append(
                OfferingModel(
                    pk=offering.pk,
                    fee=fee,
                    capacity=2,
                    quorum=QUORUMS[i],
                    opens_at=opens,
                    closes_at=closes,
                )
            )
        self.enrollments: dict[int, EnrollmentModel] = {}
        self.attempts: dict[int, AttemptModel] = {}
        self.refunds: dict[int, RefundModel] = {}
        self.references: set[str] = set()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers -----------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        return self.clock.current

    def _pick(self, items: dict[int, Any], index: int, where: Callable[[Any], bool]) -> Any:
        chosen = [item for item in items.values() if where(item)]
        return chosen[index % len(chosen)] if chosen else None

    def _enrollment(self, pk: int) -> Enrollment:
        return Enrollment.objects.select_related("learner__family", "offering__course").get(pk=pk)

    def _offering(self, index: int) -> Offering:
        return Offering.objects.select_related("course").get(pk=self.offerings[index].pk)

    def _learner_active_in(self, learner_pk: int, offering: int) -> bool:
        return any(
            e.learner == learner_pk and e.offering == offering and e.status in ACTIVE_STATUSES
            for e in self.enrollments.values()
        )

    def _expired(self, e: EnrollmentModel) -> bool:
        """An unpaid hold past its time (still active until something releases it)."""
        return (
            e.status == S.AWAITING_PAYMENT
            and e.hold_expires_at is not None
            and e.hold_expires_at <= self.now
        )

    def _claim(self, offering: int) -> bool:
        """What _claim_seat does to the model: release the offering's expired holds and
        take a seat; False (and nothing changed) when the class is full."""
        expired = [
            e for e in self.enrollments.values() if e.offering == offering and self._expired(e)
        ]
        held = sum(
            1
            for e in self.enrollments.values()
            if e.offering == offering and e.status in ACTIVE_STATUSES and e not in expired
        )
        if held >= self.offerings[offering].capacity:
            return False
        for e in expired:
            e.status = S.CANCELLED
            e.hold_expires_at = None
        return True

    def _release_expired(self) -> int:
        released = 0
        for e in self.enrollments.values():
            if self._expired(e):
                e.status = S.CANCELLED
                e.hold_expires_at = None
                released += 1
        return released

    def _pay_from_wallet(self, e: EnrollmentModel) -> None:
        family = self.families[e.family]
        assert family.balance >= e.fee
        family.balance -= e.fee
        e.status, e.paid, e.hold_expires_at = S.CONFIRMED, e.fee, None
        self.references.add(f"enrollment:{e.pk}:paid")

    def _new_attempt(self, attempt: PaymentAttempt, family: int, amount: int) -> AttemptModel:
        assert attempt.status == P.INITIATED and attempt.amount == amount
        model = AttemptModel(
            pk=attempt.pk,
            authority=attempt.authority,
            family=family,
            amount=amount,
            enrollment=attempt.enrollment_id,
            expires_at=self.now + TTL,
        )
        self.attempts[attempt.pk] = model
        return model

    def _bank(self, a: AttemptModel, pay: bool) -> None:
        """The family presses Pay or Cancel on the sandbox bank page (the first press
        stays)."""
        assert sandbox_decide(authority=a.authority, pay=pay) is not None
        if a.bank == "pending":
            a.bank = "paid" if pay else "cancelled"

    def _callback(self, a: AttemptModel, status_ok: bool) -> None:
        """payment_callback for the attempt, and what it should do."""
        done = payments.payment_callback(
            gateway="sandbox", authority=a.authority, status_ok=status_ok
        )
        if a.status == P.VERIFIED:
            event("callback: a repeat, nothing moves")
        elif not status_ok or a.bank != "paid":
            event("callback: not paid")
            if a.status == P.INITIATED:
                a.status = P.FAILED
        else:  # the bank confirms, also late (failed or expired before): the money is in
            event(f"callback: verified ({a.status} before)")
            a.status = P.VERIFIED
            self.families[a.family].balance += a.amount
            self.references.add(f"payment:{a.pk}")
            e = self.enrollments.get(a.enrollment) if a.enrollment is not None else None
            if e is None:
                pass
            elif e.status != S.AWAITING_PAYMENT:
                event(f"callback: money kept in the wallet, the place is {e.status}")
            elif self.families[e.family].balance >= e.fee:
                late = " (hold expired)" if self._expired(e) else ""
                event(f"callback: place confirmed{late}")
                self._pay_from_wallet(e)
            else:
                event("callback: money kept in the wallet, the wallet is short")
        assert done.status == a.status

    # --- top-up ------------------------------------------------------------------------

    @rule(
        family=st.integers(0, FAMILIES - 1),
        amount=st.sampled_from(TOP_UPS),
        then=st.sampled_from(["pay", "cancel", "leave"]),
    )
    def top_up(self, family: int, amount: int, then: str) -> None:
        self._top_up(family, amount, then)

    @initialize(amounts=st.tuples(*[st.sampled_from(OPENING)] * FAMILIES))
    def opening_top_ups(self, amounts: tuple[int, ...]) -> None:
        """Most families start with money in the wallet (paid in through the gateway)."""
        for family, amount in enumerate(amounts):
            if amount:
                self._top_up(family, amount, "pay")

    def _top_up(self, family: int, amount: int, then: str) -> None:
        f = self.families[family]
        attempt = payments.wallet_top_up_start(
            family=f.family, amount=amount, mobile=f.guardian.mobile, return_url="/wallet/"
        )
        assert attempt.purpose == PaymentPurpose.TOP_UP
        a = self._new_attempt(attempt, family, amount)
        if then != "leave":
            self._bank(a, pay=then == "pay")
            self._callback(a, status_ok=then == "pay")

    # --- registering and paying --------------------------------------------------------

    @rule(
        family=st.integers(0, FAMILIES - 1),
        child=st.integers(0, CHILDREN - 1),
        offering=st.integers(0, len(FEES) - 1),
        then=st.sampled_from(["pay", "cancel", "leave"]),
    )
    def register(self, family: int, child: int, offering: int, then: str) -> None:
        f, o = self.families[family], self.offerings[offering]
        learner = f.learners[child]

        def create() -> services_registration.EnrollmentResult:
            return services_registration.enrollment_create(
                guardian=f.guardian,
                learner=learner,
                offering=self._offering(offering),
                accept_terms=True,
                return_url="/family/",
            )

        if not o.is_open(self.now):
            with refused("closed"):
                create()
            return
        if self._learner_active_in(learner.pk, offering):
            with refused("already_enrolled"):
                create()
            return
        if not self._claim(offering):
            with refused("full"):
                create()
            return
        result = create()
        e = EnrollmentModel(
            pk=result.enrollment.pk,
            family=family,
            learner=learner.pk,
            offering=offering,
            fee=o.fee,
            hold_expires_at=self.now + HOLD,
        )
        self.enrollments[e.pk] = e
        if f.balance >= o.fee:
            assert result.payment is None and result.paid_from_wallet
            event("register: paid from the wallet")
            self._pay_from_wallet(e)
            return
        assert result.payment is not None
        event("register: through the gateway")
        a = self._new_attempt(result.payment, family, o.fee - f.balance)
        if then != "leave":
            self._bank(a, pay=then == "pay")
            self._callback(a, status_ok=then == "pay")

    @precondition(
        lambda self: any(e.status == S.AWAITING_PAYMENT for e in self.enrollments.values())
    )
    @rule(
        which=st.integers(0, 20),
        then=st.sampled_from(["pay", "cancel", "leave", "pay, then the older one"]),
    )
    def pay_again(self, which: int, then: str) -> None:
        """enrollment_pay: from the wallet if it covers the fee, else a new gateway attempt
        next to the older ones. "pay, then the older one": the family pays both at the
        bank; the newer callback arrives first, then the older one's (out of order)."""
        e = self._pick(self.enrollments, which, lambda e: e.status == S.AWAITING_PAYMENT)
        f = self.families[e.family]

        def pay() -> services_registration.EnrollmentResult:
            return services_registration.enrollment_pay(
                guardian=f.guardian, enrollment=self._enrollment(e.pk)
            )

        if self._expired(e):
            with refused("hold_expired"):
                pay()
            return
        result = pay()
        if f.balance >= e.fee:
            assert result.payment is None
            self._pay_from_wallet(e)
            return
        older = [a for a in self.attempts.values() if a.enrollment == e.pk]
        a = self._new_attempt(result.payment, e.family, e.fee - f.balance)
        if then != "leave":
            self._bank(a, pay=then != "cancel")
            self._callback(a, status_ok=then != "cancel")
        if then == "pay, then the older one" and older:
            event("callbacks out of order")
            self._bank(older[-1], pay=True)
            self._callback(older[-1], status_ok=True)

    # --- the bank and its callbacks ----------------------------------------------------

    @precondition(lambda self: bool(self.attempts))
    @rule(
        which=st.integers(0, 20),
        bank=st.sampled_from(["pay", "cancel", "nothing"]),
        callback=st.sampled_from(["ok", "nok", "none"]),
    )
    def bank_and_callback(self, which: int, bank: str, callback: str) -> None:
        """For any attempt, old or new: the family pays or cancels on the bank page (or
        not), then a callback comes, truthful or not (Status=OK for an unpaid attempt is
        refused by the server-side verify), or none (the browser never came back)."""
        a = self._pick(self.attempts, which, lambda a: True)
        if bank != "nothing":
            self._bank(a, pay=bank == "pay")
        if callback != "none":
            self._callback(a, status_ok=callback == "ok")

    @precondition(lambda self: any(a.status == P.VERIFIED for a in self.attempts.values()))
    @rule(which=st.integers(0, 20))
    def duplicate_callback(self, which: int) -> None:
        a = self._pick(self.attempts, which, lambda a: a.status == P.VERIFIED)
        before = LedgerTransaction.objects.count()
        self._callback(a, status_ok=True)
        assert LedgerTransaction.objects.count() == before

    @precondition(lambda self: any(a.status == P.INITIATED for a in self.attempts.values()))
    @rule(which=st.integers(0, 20))
    def callback_after_expiry(self, which: int) -> None:
        """The family paid, but its callback arrives after the attempt expired."""
        a = self._pick(self.attempts, which, lambda a: a.status == P.INITIATED)
        self._bank(a, pay=True)
        if self.now < a.expires_at:
            self.clock.current = a.expires_at + dt.timedelta(minutes=1)
        self._expire_payments()
        assert a.status == P.EXPIRED or a.status == P.VERIFIED
        self._callback(a, status_ok=True)

    @rule(
        kind=st.sampled_from(["unknown", "garbage", "other_gateway", "empty"]),
        status_ok=st.booleans(),
    )
    def forged_callback(self, kind: str, status_ok: bool) -> None:
        known = next(iter(self.attempts.values()), None)
        gateway, authority = "sandbox", str(uuid.uuid4())
        if kind == "garbage":
            authority = "' OR 1=1 --" + "x" * 80
        elif kind == "other_gateway" and known is not None:
            gateway, authority = "zarinpal", known.authority
        elif kind == "empty":
            authority = ""
        before = LedgerTransaction.objects.count()
        with refused("unknown_payment"):
            payments.payment_callback(gateway=gateway, authority=authority, status_ok=status_ok)
        assert LedgerTransaction.objects.count() == before

    # --- time and the jobs -------------------------------------------------------------

    @rule(what=st.sampled_from(["1", "7", "16", "60", "payments_expire", "holds_release"]))
    def time_passes_and_jobs_run(self, what: str) -> None:
        """Minutes pass, or one of the minute jobs runs."""
        if what == "payments_expire":
            self._expire_payments()
        elif what == "holds_release":
            assert services_seats.enrollment_holds_release() == self._release_expired()
        else:
            self.clock.advance(minutes=int(what))

    def _expire_payments(self) -> None:
        due = [
            a
            for a in self.attempts.values()
            if a.status == P.INITIATED and a.expires_at <= self.now
        ]
        assert payments.payments_expire() == len(due)
        for a in due:
            a.status = P.EXPIRED

    @precondition(
        lambda self: (
            len(self.enrollments) >= 2
            and any(o.deadline > self.clock.current for o in self.offerings)
        )
    )
    @rule()
    def reach_a_drop_deadline(self) -> None:
        """The clock stops exactly at the next drop deadline: from this instant on, drop
        and switch are refused."""
        self.clock.current = min(o.deadline for o in self.offerings if o.deadline > self.now)

    @precondition(
        lambda self: (
            len(self.enrollments) >= 2
            and any(o.status == OfferingStatus.PUBLISHED for o in self.offerings)
        )
    )
    @rule()
    def close_registration(self) -> None:
        """The clock passes the next registration close; the job runs twice (the second
        run changes nothing)."""
        due = min(o.closes_at for o in self.offerings if o.status == OfferingStatus.PUBLISHED)
        if self.now < due:
            self.clock.current = due + dt.timedelta(minutes=1)
        proceeded, cancelled, credited, credited_rials = [], [], 0, 0
        for i, o in enumerate(self.offerings):
            if o.status != OfferingStatus.PUBLISHED or o.closes_at > self.now:
                continue
            mine = [e for e in self.enrollments.values() if e.offering == i]
            confirmed = sum(1 for e in mine if e.status == S.CONFIRMED)
            if confirmed >= o.quorum:
                o.status = OfferingStatus.REGISTRATION_CLOSED
                proceeded.append(o.pk)
                event("close: proceeded")
                for e in mine:
                    if self._expired(e):
                        e.status, e.hold_expires_at = S.CANCELLED, None
            else:
                o.status = OfferingStatus.CANCELLED
                cancelled.append(o.pk)
                event("close: cancelled below quorum")
                for e in mine:
                    if e.status not in ACTIVE_STATUSES:
                        continue
                    if e.status == S.CONFIRMED and e.paid:
                        self.families[e.family].balance += e.paid
                        self.references.add(f"enrollment:{e.pk}:quorum")
                        credited += 1
                        credited_rials += e.paid
                    e.status, e.hold_expires_at = S.CANCELLED, None
        first = services_quorum.offerings_close_registration()
        assert (first.proceeded, first.cancelled, first.failed) == (proceeded, cancelled, [])
        assert (first.credited_enrollments, first.credited_rials) == (credited, credited_rials)
        again = services_quorum.offerings_close_registration()
        assert (again.proceeded, again.cancelled, again.credited_rials) == ([], [], 0)

    # --- drop and switch ---------------------------------------------------------------

    @precondition(lambda self: bool(self.enrollments))
    @rule(which=st.integers(0, 20))
    def drop(self, which: int) -> None:
        e = self._pick(self.enrollments, which, lambda e: True)
        guardian = self.families[e.family].guardian

        def drop() -> Enrollment:
            return services_drop.enrollment_drop(
                guardian=guardian, enrollment=self._enrollment(e.pk)
            )

        if e.status not in ACTIVE_STATUSES:
            with refused("status"):
                drop()
        elif e.status == S.AWAITING_PAYMENT:  # an unpaid hold may be given up any time
            assert drop().status == S.CANCELLED
            event("drop: an unpaid hold given up")
            e.status, e.hold_expires_at = S.CANCELLED, None
        elif self.now >= self.offerings[e.offering].deadline:
            with refused("deadline"):
                drop()
        else:
            assert drop().status == S.DROPPED
            event("drop: credited to the wallet")
            e.status = S.DROPPED
            self.families[e.family].balance += e.paid
            self.references.add(f"enrollment:{e.pk}:drop")

    @precondition(lambda self: bool(self.enrollments))
    @rule(which=st.integers(0, 20), offering=st.integers(0, len(FEES) - 1))
    def switch(self, which: int, offering: int) -> None:
        # Mostly confirmed places (the interesting ones), sometimes any.
        e = self._pick(self.enrollments, which, lambda e: e.status == S.CONFIRMED) or self._pick(
            self.enrollments, which, lambda e: True
        )
        f, target = self.families[e.family], self.offerings[offering]

        def switch() -> Enrollment:
            return services_drop.enrollment_switch(
                guardian=f.guardian,
                enrollment=self._enrollment(e.pk),
                offering=self._offering(offering),
                accept_terms=True,
            )

        difference = target.fee - e.paid
        if offering == e.offering:
            code = "same_offering"
        elif e.status != S.CONFIRMED:
            code = "status"
        elif self.now >= self.offerings[e.offering].deadline:
            code = "deadline"
        elif not target.is_open(self.now):
            code = "closed"
        elif self._learner_active_in(e.learner, offering):
            code = "already_enrolled"
        elif difference > 0 and f.balance < difference:
            code = "insufficient_balance"
        elif not self._claim(offering):
            code = "full"
        else:
            code = ""
        if code:
            with refused(code):
                switch()
            return
        new = switch()
        assert new.status == S.CONFIRMED and new.paid_rials == target.fee
        self.enrollments[new.pk] = EnrollmentModel(
            pk=new.pk,
            family=e.family,
            learner=e.learner,
            offering=offering,
            fee=target.fee,
            status=S.CONFIRMED,
            paid=target.fee,
        )
        e.status = S.SWITCHED
        f.balance -= difference
        event(f"switch: {'charged' if difference > 0 else 'credited' if difference else 'even'}")
        if difference:
            self.references.add(f"enrollment:{e.pk}:switch")

    # --- refunds to the bank -----------------------------------------------------------

    @rule(family=st.integers(0, FAMILIES - 1), share=st.sampled_from(REFUNDS))
    def refund_request(self, family: int, share: str) -> None:
        f = self.families[family]
        amount = {"quarter": f.balance // 4, "half": f.balance // 2, "all": f.balance}.get(
            share, f.balance + 10
        )
        amount -= amount % 10  # a refund is a whole number of Toman (issue 9)

        def ask() -> Any:
            return refunds.refund_request(
                guardian=f.guardian, amount=amount, sheba=SHEBA, account_holder="سارا محمدی"
            )

        if amount < 1:
            with refused("invalid_amount"):
                ask()
        elif amount < settings.KARGAH_MIN_TRANSFER_RIALS:  # a bank transfer's floor
            with refused("amount_too_small"):
                ask()
        elif amount > f.balance:
            with refused("insufficient_balance"):
                ask()
        else:
            refund = ask()
            event("refund: requested")
            self.refunds[refund.pk] = RefundModel(pk=refund.pk, family=family, amount=amount)
            f.balance -= amount
            self.references.add(f"refund:{refund.pk}:requested")

    @precondition(lambda self: bool(self.refunds))
    @rule(
        which=st.integers(0, 20),
        decision=st.sampled_from(
            ["approve", "reject", "paid ۱۲۳۴۵۶", "paid 654321", "approve, paid 654321"]
        ),
    )
    def finance_decides(self, which: int, decision: str) -> None:
        """Finance approves, rejects (also an approved request the bank bounced) or marks
        paid with the bank's reference (in Persian or Latin digits); a repeat of the same
        decision changes nothing, a contradicting one is refused."""
        r = self._pick(self.refunds, which, lambda r: True)
        if decision.startswith("approve, "):
            self.finance_decides(which, "approve")
            decision = decision.removeprefix("approve, ")
        refund = RefundRequest.objects.get(pk=r.pk)
        if decision == "approve":
            if r.status in (R.PAID, R.REJECTED):
                with refused("refund_state"):
                    refunds.refund_approve(actor=self.finance, refund=refund)
                return
            refunds.refund_approve(actor=self.finance, refund=refund)
            event(f"refund: approved ({r.status} before)")
            r.status = R.APPROVED
        elif decision == "reject":
            reason = "شماره شبا با نام صاحب حساب نمی‌خواند"
            if r.status == R.PAID:
                with refused("refund_state"):
                    refunds.refund_reject(actor=self.finance, refund=refund, reason=reason)
                return
            refunds.refund_reject(actor=self.finance, refund=refund, reason=reason)
            if r.status != R.REJECTED:
                event(f"refund: rejected ({r.status} before)")
                r.status = R.REJECTED
                self.families[r.family].balance += r.amount
                self.references.add(f"refund:{r.pk}:rejected")
        else:
            reference = decision.split()[1]
            latin = reference.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
            if r.status in (R.REQUESTED, R.REJECTED) or (
                r.status == R.PAID and r.bank_reference != latin
            ):
                with refused("refund_state"):
                    refunds.refund_mark_paid(
                        actor=self.finance, refund=refund, bank_reference=reference
                    )
                return
            refunds.refund_mark_paid(actor=self.finance, refund=refund, bank_reference=reference)
            if r.status == R.APPROVED:
                event("refund: paid")
                r.status, r.bank_reference = R.PAID, latin
                self.references.add(f"refund:{r.pk}:paid")

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def the_ledger_balances(self) -> None:
        assert ledger_is_balanced()

    @invariant()
    def wallets_are_what_the_model_says_and_never_negative(self) -> None:
        balances = dict(
            LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET)
            .values_list("account__family")
            .annotate(s=Sum("amount"))
            .values_list("account__family", "s")
        )
        assert all(balance >= 0 for balance in balances.values()), balances
        for f in self.families:
            assert balances.get(f.family.pk, 0) == f.balance, (f.family.pk, balances, f.balance)

    @invariant()
    def money_moved_exactly_as_expected_and_nobody_credited_twice(self) -> None:
        assert set(LedgerTransaction.objects.values_list("reference", flat=True)) == self.references
        # Per cause (a payment attempt, an enrollment, a refund request): at most one credit
        # to a family's wallet, whatever its references.
        credits = Counter(
            ":".join(reference.split(":")[:2])
            for reference in LedgerEntry.objects.filter(
                account__kind=AccountKind.FAMILY_WALLET, amount__gt=0
            ).values_list("transaction__reference", flat=True)
        )
        assert all(n == 1 for n in credits.values()), credits

    @invariant()
    def seats_are_counted_exactly(self) -> None:
        for i, o in enumerate(self.offerings):
            offering = Offering.objects.get(pk=o.pk)
            active = Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES)
            offered = WaitingListEntry.objects.filter(
                offering=offering, status=WaitingStatus.OFFERED
            ).count()
            assert offering.seats_taken == active.count() + offered <= offering.capacity
            assert offering.status == o.status
            model = sum(
                1
                for e in self.enrollments.values()
                if e.offering == i and e.status in ACTIVE_STATUSES
            )
            assert active.count() == model

    @invariant()
    def every_row_is_in_the_state_the_model_says(self) -> None:
        enrollments = dict(
            Enrollment.objects.filter(pk__in=self.enrollments).values_list("pk", "status")
        )
        assert enrollments == {pk: e.status for pk, e in self.enrollments.items()}
        paid = dict(
            Enrollment.objects.filter(pk__in=self.enrollments).values_list("pk", "paid_rials")
        )
        assert paid == {pk: e.paid for pk, e in self.enrollments.items()}
        attempts = dict(
            PaymentAttempt.objects.filter(pk__in=self.attempts).values_list("pk", "status")
        )
        assert attempts == {pk: a.status for pk, a in self.attempts.items()}
        requests = dict(
            RefundRequest.objects.filter(pk__in=self.refunds).values_list("pk", "status")
        )
        assert requests == {pk: r.status for pk, r in self.refunds.items()}


def test_money_and_seats_stay_sound_whatever_happens(clock: Clock, settings: Any) -> None:
    settings.KARGAH_PAYMENT_GATEWAY = "sandbox"
    settings.KARGAH_SITE_URL = ""
    settings.KARGAH_SEAT_HOLD_SECONDS = int(HOLD.total_seconds())
    settings.KARGAH_PAYMENT_TTL_SECONDS = int(TTL.total_seconds())
    LedgerMachine.clock = clock
    LedgerMachine.start = clock.current
    run_state_machine_as_test(
        LedgerMachine,
        settings=hypothesis.settings(
            max_examples=int(os.environ.get("KARGAH_LEDGER_EXAMPLES", "50")),
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
