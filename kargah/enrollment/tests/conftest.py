"""Fixtures of the enrollment tests: a movable clock, an open offering with sessions, a
guardian with a child, wallet top-ups, a fake payment gateway and row counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from kargah.accounts.models import Family, Learner, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import OfferingFactory
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import Enrollment, WaitingListEntry
from kargah.notifications.models import OutboxMessage
from kargah.wallet.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from kargah.wallet.selectors import ledger_is_balanced
from kargah.wallet.services import family_wallet, ledger_post, system_account

FEE = 5_000_000


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """timezone.now() as the services see it; tests let time pass with advance()."""
    frozen = Clock((timezone.now() + dt.timedelta(minutes=1)).replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def make_offering(weekday: int = 0, **kwargs: Any) -> Offering:
    """A published offering open for registration, with its sessions, on `weekday`
    (Saturday = 0) at 16:00; each weekday gives a class that clashes with no other."""
    kwargs.setdefault("fee_rials", FEE)
    return OfferingFactory.create(
        published=True, weekly_pattern=[{"weekday": weekday, "start": "16:00"}], **kwargs
    )


@pytest.fixture
def offering(db: None, clock: Clock) -> Offering:
    return make_offering(capacity=5, quorum=2)


def make_child(**kwargs: Any) -> Learner:
    """A nine-year-old child of a new family (or of `family=`)."""
    if "family" not in kwargs:
        kwargs["family"] = GuardianFactory.create().family
    return LearnerFactory.create(**kwargs)


@pytest.fixture
def learner(db: None) -> Learner:
    return make_child()


@pytest.fixture
def guardian(learner: Learner) -> User:
    return learner.family.guardian


def top_up(family: Family, amount: int, reference: str | None = None) -> None:
    """Money paid into the wallet through the gateway (as the payments app posts it)."""
    ledger_post(
        reference=reference or f"test-top-up:{family.pk}:{LedgerTransaction.objects.count()}",
        kind=TransactionKind.TOP_UP,
        entries=[
            (system_account(AccountKind.GATEWAY_CLEARING), -amount),
            (family_wallet(family), amount),
        ],
    )


def register_paid(offering: Offering, child: Learner | None = None) -> Enrollment:
    """A child of a new family registered and paid for from the wallet (topped up)."""
    from kargah.enrollment.services_registration import enrollment_create

    child = child or make_child()
    top_up(child.family, int(offering.fee_rials or 0))
    return enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    ).enrollment


def no_negative_wallet() -> bool:
    from django.db.models import Sum

    sums = (
        LedgerEntry.objects.filter(account__kind=AccountKind.FAMILY_WALLET)
        .values("account")
        .annotate(s=Sum("amount"))
    )
    return all(row["s"] >= 0 for row in sums)


def money_is_sound() -> bool:
    return ledger_is_balanced() and no_negative_wallet()


def row_counts() -> dict[str, int]:
    return {
        "enrollments": Enrollment.objects.count(),
        "waiting": WaitingListEntry.objects.count(),
        "ledger": LedgerTransaction.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "audit": AuditLogEntry.objects.count(),
        "seats": sum(Offering.objects.values_list("seats_taken", flat=True)),
    }


@dataclass
class FakeAttempt:
    family: Family
    amount: int
    purpose: str
    enrollment: Enrollment | None
    redirect_url: str
    pk: int = 0

    @property
    def enrollment_id(self) -> int | None:
        return self.enrollment.pk if self.enrollment is not None else None


@dataclass
class FakeGateway:
    started: list[FakeAttempt] = field(default_factory=list)
    fail: bool = False

    def payment_start(self, **kwargs: Any) -> FakeAttempt:
        if self.fail:
            from kargah.core.errors import DomainError

            raise DomainError("درگاه پاسخ نمی‌دهد", code="gateway_error")
        attempt = FakeAttempt(
            family=kwargs["family"],
            amount=kwargs["amount"],
            purpose=kwargs["purpose"],
            enrollment=kwargs.get("enrollment"),
            redirect_url=f"/fake-bank/{len(self.started) + 1}/",
            pk=len(self.started) + 1,
        )
        self.started.append(attempt)
        return attempt

    def pay(self, attempt: FakeAttempt) -> None:
        """The bank confirms: the payments app credits the wallet, then calls the hook."""
        from kargah.enrollment.services_registration import enrollment_on_payment_verified

        ledger_post(
            reference=f"fake-payment:{attempt.pk}",
            kind=TransactionKind.PAYMENT_RECEIVED,
            entries=[
                (system_account(AccountKind.GATEWAY_CLEARING), -attempt.amount),
                (family_wallet(attempt.family), attempt.amount),
            ],
        )
        enrollment_on_payment_verified(attempt=attempt)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    """payment_start of the payments app replaced by a fake bank."""
    fake = FakeGateway()
    import kargah.payments.services

    monkeypatch.setattr(kargah.payments.services, "payment_start", fake.payment_start)
    return fake
