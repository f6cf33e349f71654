"""Race tests on PostgreSQL: one payment's callback arriving many times at once is
verified once and moves money once.

The control case removes the row lock and shows that the race is real: without it every
concurrent callback asks the gateway, marks the attempt paid and tells the enrollment again.
Run with DATABASE_URL pointing at PostgreSQL; on any other database each test fails at its
first line (they never skip).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.payments import services
from kargah.payments.gateways import GatewayVerify
from kargah.payments.gateways.sandbox import SandboxGateway, sandbox_decide
from kargah.payments.models import PaymentAttempt, PaymentPurpose, PaymentStatus
from kargah.testing.races import require_postgresql
from kargah.testing.races import run_n_concurrently as _run_n
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import ledger_is_balanced, wallet_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def run_concurrently(action: Callable[[int], object], threads: int = THREADS) -> list[str]:
    return _run_n(action, threads)


AMOUNT = 3_000_000
# Long enough that every callback reads the attempt before the first one commits.
WINDOW_SECONDS = 0.3


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the server-to-server verifies, and widens the window between reading the
    attempt and marking it paid (a real gateway takes a moment to answer)."""
    calls: list[str] = []
    real_verify = SandboxGateway.verify

    def slow_verify(self: SandboxGateway, *, authority: str, amount: int) -> GatewayVerify:
        calls.append(authority)
        time.sleep(WINDOW_SECONDS)
        return real_verify(self, authority=authority, amount=amount)

    monkeypatch.setattr(SandboxGateway, "verify", slow_verify)
    return calls


@pytest.fixture
def paid_enrollment_attempt(family) -> PaymentAttempt:
    """An enrollment payment the family has paid at the (sandbox) bank."""
    enrollment = EnrollmentFactory.create(
        learner__family=family, status=EnrollmentStatus.AWAITING_PAYMENT
    )
    attempt = services.payment_start(
        family=family,
        amount=AMOUNT,
        purpose=PaymentPurpose.ENROLLMENT,
        enrollment=enrollment,
        return_url="/",
    )
    assert sandbox_decide(authority=attempt.authority, pay=True)
    return attempt


def callbacks_at_once(attempt: PaymentAttempt) -> list[str]:
    return run_concurrently(
        lambda _i: services.payment_callback(
            gateway="sandbox", authority=attempt.authority, status_ok=True
        )
    )


def test_the_callback_locks_the_attempt_row(start_top_up):
    require_postgresql()
    attempt = start_top_up(AMOUNT, paid=False)
    with CaptureQueriesContext(connection) as queries:
        services.payment_callback(gateway="sandbox", authority=attempt.authority, status_ok=False)
    locking = [q["sql"] for q in queries if "payments_paymentattempt" in q["sql"]]
    assert any(sql.rstrip().endswith("FOR UPDATE") for sql in locking), locking


def test_concurrent_duplicate_callbacks_verify_once_and_move_money_once(
    family, paid_enrollment_attempt, verify_calls, enrollment_hook
):
    require_postgresql()

    outcomes = callbacks_at_once(paid_enrollment_attempt)

    assert outcomes == ["ok"] * THREADS, outcomes
    assert len(verify_calls) == 1
    assert LedgerTransaction.objects.filter(reference__startswith="payment:").count() == 1
    assert wallet_balance(family=family) == AMOUNT
    assert ledger_is_balanced()
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
    assert AuditLogEntry.objects.filter(action="payment.verified").count() == 1
    assert [a.pk for a in enrollment_hook] == [paid_enrollment_attempt.pk]


def test_control_without_the_row_lock_every_callback_verifies_and_pays_again(
    family, paid_enrollment_attempt, verify_calls, enrollment_hook, monkeypatch
):
    """Shows that the test above can fail: the row lock is what makes it pass.

    Without the lock every concurrent callback reads the attempt as still unpaid, asks the
    gateway again (the sandbox, like Zarinpal, then answers "already verified"), marks the
    attempt paid again, writes its audit row again and calls the enrollment hook again. The
    money itself is still credited once, but only because of the second line of defence:
    the ledger's unique reference `payment:<id>`. The lock keeps everything else, the
    enrollment confirmation included, from happening twice."""
    require_postgresql()
    monkeypatch.setattr(
        services, "_locked_attempt", lambda attempt_id: PaymentAttempt.objects.get(pk=attempt_id)
    )

    outcomes = callbacks_at_once(paid_enrollment_attempt)

    assert not [o for o in outcomes if o != "ok"], outcomes
    assert len(verify_calls) > 1, verify_calls
    assert AuditLogEntry.objects.filter(action="payment.verified").count() > 1
    assert len(enrollment_hook) > 1
    # The ledger's reference alone still holds the money to one credit.
    assert LedgerTransaction.objects.filter(reference__startswith="payment:").count() == 1
    assert wallet_balance(family=family) == AMOUNT


def test_the_expiry_job_running_during_a_callback_leaves_the_payment_to_it(
    family, start_top_up, verify_calls
):
    """The job skips a row a callback holds; the callback then credits the money."""
    require_postgresql()
    import datetime as dt

    from django.utils import timezone

    attempt = start_top_up(AMOUNT)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    results: dict[int, object] = {}

    def act(i: int) -> None:
        if i == 0:
            results[i] = services.payment_callback(
                gateway="sandbox", authority=attempt.authority, status_ok=True
            )
        else:
            time.sleep(WINDOW_SECONDS / 3)  # the callback holds the row by now
            results[i] = services.payments_expire()

    outcomes = run_concurrently(act, threads=2)

    assert outcomes == ["ok", "ok"], outcomes
    assert results[1] == 0
    assert PaymentAttempt.objects.get().status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == AMOUNT
