"""Race tests on PostgreSQL: a sign-in code works once however many requests carry it.

The control case removes the row lock and shows that the race is real: without
`select_for_update` several concurrent requests sign in with the same code. Run with
DATABASE_URL pointing at PostgreSQL; on any other database each test fails at its first
line (they never skip).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kargah.accounts import services
from kargah.accounts.models import Family, OneTimeCode, User
from kargah.core.errors import DomainError
from kargah.testing.races import require_postgresql
from kargah.testing.races import run_n_concurrently as _run_n

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MOBILE = "+989121234567"
OTP = settings.KARGAH_OTP
THREADS = 8


def run_concurrently(action: Callable[[int], object], threads: int = THREADS) -> list[str]:
    return _run_n(action, threads)


# Long enough that every thread reads the code before the first one commits.
WINDOW_SECONDS = 0.3


def verify_concurrently(code: str) -> list[str]:
    return run_concurrently(lambda _i: services.otp_verify(mobile=MOBILE, code=code))


@pytest.fixture
def code(send_code: Callable[..., str]) -> str:
    return send_code(MOBILE)


@pytest.fixture
def slow_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widens the window between reading the code row and marking it used: the hash is
    computed after the read and before the write in otp_verify."""
    real_hash = services._hash_code

    def slow(mobile: str, code: str) -> str:
        time.sleep(WINDOW_SECONDS)
        return real_hash(mobile, code)

    monkeypatch.setattr(services, "_hash_code", slow)


def test_verify_locks_the_code_row():
    require_postgresql()
    with CaptureQueriesContext(connection) as queries, pytest.raises(DomainError):
        services.otp_verify(mobile=MOBILE, code="123456")
    locking = [q["sql"] for q in queries if "accounts_onetimecode" in q["sql"]]
    assert any(sql.rstrip().endswith("FOR UPDATE") for sql in locking), locking


def test_a_code_verified_by_many_requests_at_once_signs_in_exactly_once(code, slow_hash):
    require_postgresql()

    outcomes = verify_concurrently(code)

    assert outcomes.count("ok") == 1, outcomes
    assert sorted(outcomes) == sorted(["ok"] + ["bad_code"] * (THREADS - 1)), outcomes
    assert User.objects.filter(mobile=MOBILE).count() == 1
    assert Family.objects.count() == 1
    stored = OneTimeCode.objects.get()
    assert stored.used_at is not None
    assert stored.failed_attempts == 0


def test_control_without_the_row_lock_the_same_code_signs_in_several_times(
    code, slow_hash, monkeypatch
):
    """Shows that the test above can fail: the lock is what makes it pass."""
    require_postgresql()
    manager: Any = OneTimeCode.objects
    monkeypatch.setattr(manager, "select_for_update", lambda **kwargs: manager.all())

    outcomes = verify_concurrently(code)

    assert not [o for o in outcomes if o not in ("ok", "bad_code")], outcomes
    assert outcomes.count("ok") > 1, outcomes
    # The account itself is still created once (unique mobile), but the code was spent
    # several times: each "ok" would have been a separate signed-in session.
    assert User.objects.filter(mobile=MOBILE).count() == 1


# The two tests below guard the lockout and the sending limits against simultaneous requests.


def test_parallel_wrong_codes_get_no_more_guesses_than_the_lockout_allows(code, monkeypatch):
    require_postgresql()
    real_hash = services._hash_code

    def slow(mobile: str, guess: str) -> str:
        time.sleep(0.05)  # every guess holds the row lock a moment, as a busy server would
        return real_hash(mobile, guess)

    monkeypatch.setattr(services, "_hash_code", slow)
    guesses = [f"{(int(code) + k) % 10**6:06d}" for k in range(1, 21)]

    outcomes = run_concurrently(
        lambda i: services.otp_verify(mobile=MOBILE, code=guesses[i]), threads=len(guesses)
    )

    assert set(outcomes) <= {"bad_code", "locked"}, outcomes
    # Each failed attempt was a guess compared with the real code.
    assert OneTimeCode.objects.get().failed_attempts <= OTP["MAX_FAILED_ATTEMPTS"]


def test_simultaneous_code_requests_send_one_sms(slow_hash, sms):
    require_postgresql()

    outcomes = run_concurrently(lambda _i: services.otp_request(mobile=MOBILE, ip="10.0.0.1"))

    assert set(outcomes) <= {"ok", "too_soon"}, outcomes
    assert outcomes.count("ok") == 1, outcomes
    assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 1
    assert len(sms.sent) == 1
