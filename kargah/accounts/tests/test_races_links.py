"""Race tests on PostgreSQL for adding a child (docs/learner-links.md): the daily limit holds
under simultaneous adds, and two guardians adding the same new child at once give one child
and one link request, never a refusal that names the code as registered.

Each has a control case that removes the lock (`lock_keys`) and shows the race is real.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import pytest

from kargah.accounts import services
from kargah.accounts.demo import national_code_for
from kargah.accounts.models import Gender, Learner, LearnerAddAttempt, LearnerLink, User
from kargah.accounts.tests.factories import GuardianFactory, ProvinceFactory
from kargah.testing.races import require_postgresql, run_concurrently, run_n_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
LIMIT = 2
# Long enough that every request reads the count (or the code) before the first commits.
WINDOW_SECONDS = 0.3
BIRTH = dt.date(2016, 7, 2)


def _data(code: str) -> dict[str, Any]:
    return {
        "first_name": "آرش",
        "last_name": "نوری",
        "birth_date": BIRTH,
        "national_code": code,
        "gender": Gender.BOY,
        "province": ProvinceFactory.create(code="tehran"),
        "school_grade": 3,
        "data_confirmed": True,
    }


@pytest.fixture
def slow_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widens the window between reading the day's count and writing the attempt."""
    real = services._check_adds_allowed

    def slow(guardian: User, now: dt.datetime) -> None:
        real(guardian, now)
        time.sleep(WINDOW_SECONDS)

    monkeypatch.setattr(services, "_check_adds_allowed", slow)


@pytest.fixture
def slow_create(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widens the window between finding no child with the code and inserting it."""
    real = services.learner_create

    def slow(**kwargs: Any) -> Learner:
        time.sleep(WINDOW_SECONDS)
        return real(**kwargs)

    monkeypatch.setattr(services, "learner_create", slow)


@pytest.fixture
def no_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "lock_keys", lambda *keys: None)


def _adds_at_once(guardian: User) -> list[str]:
    data = [_data(national_code_for(900 + i)) for i in range(THREADS)]
    return run_n_concurrently(lambda i: services.learner_add(guardian=guardian, **data[i]), THREADS)


class TestDailyLimit:
    def test_simultaneous_adds_stop_at_the_limit(self, monkeypatch, slow_count):
        require_postgresql()
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", LIMIT)
        guardian = GuardianFactory.create()

        outcomes = _adds_at_once(guardian)

        assert sorted(outcomes) == ["learner_adds"] * (THREADS - LIMIT) + ["ok"] * LIMIT
        assert LearnerAddAttempt.objects.filter(guardian=guardian).count() == LIMIT
        assert Learner.objects.filter(family__guardian=guardian).count() == LIMIT

    def test_control_without_the_lock_the_limit_is_overrun(self, monkeypatch, slow_count, no_lock):
        require_postgresql()
        monkeypatch.setattr(services, "LEARNER_ADDS_PER_DAY", LIMIT)
        guardian = GuardianFactory.create()

        outcomes = _adds_at_once(guardian)

        assert outcomes.count("ok") > LIMIT


def _same_child_at_once() -> tuple[list[str], list[User]]:
    guardians = [GuardianFactory.create(), GuardianFactory.create()]
    data = _data(national_code_for(77))
    outcomes = run_concurrently(
        [functools.partial(services.learner_add, guardian=g, **data) for g in guardians]
    )
    return outcomes, guardians


class TestSameNewChild:
    def test_one_child_and_one_link_request(self, slow_create):
        require_postgresql()

        outcomes, guardians = _same_child_at_once()

        assert outcomes == ["ok", "ok"]
        (child,) = Learner.objects.filter(national_code=national_code_for(77))
        assert child.family.guardian in guardians
        (link,) = LearnerLink.objects.all()
        assert link.learner == child and link.family.guardian in guardians
        assert link.family != child.family

    def test_control_without_the_lock_one_is_told_the_code_is_taken(self, slow_create, no_lock):
        require_postgresql()

        outcomes, _guardians = _same_child_at_once()

        assert sorted(outcomes) == ["duplicate_national_code", "ok"]
