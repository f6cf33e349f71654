"""Race tests on PostgreSQL: two runs of the evaluation job at once (beat overlapping a run
by hand, or a slow run meeting the next) credit each affected family once.

The control case removes both guards — the period's advisory lock and the unique key
(level, period) on measurements — and shows the double credit they prevent. Run with
DATABASE_URL pointing at PostgreSQL; elsewhere each test fails at its first line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection

from kargah.sla import evaluation, metrics
from kargah.sla.models import Breach, Compensation, Measurement, Metric, ServiceLevel
from kargah.sla.tests.conftest import FEE, MONTH_START, History, MakeLevel
from kargah.sla.tests.test_evaluation import AFTER, assert_ledger_balances, cancel_first_session
from kargah.testing.races import require_postgresql, run_concurrently
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Long enough that both runs have read "not measured yet" before either writes.
WINDOW_SECONDS = 0.4


@pytest.fixture
def slow_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metrics.measure

    def measure(level: ServiceLevel, window: metrics.Window) -> metrics.Result:
        result = real(level, window)
        time.sleep(WINDOW_SECONDS)
        return result

    monkeypatch.setattr(metrics, "measure", measure)


@pytest.fixture
def unguarded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The control: no period lock, and the table without its unique key (put back after,
    once the rows the control doubled are gone)."""
    monkeypatch.setattr(evaluation, "_lock_period", lambda level, start: None)
    constraint = next(
        c for c in Measurement._meta.constraints if c.name == "sla_measurement_once_per_period"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(Measurement, constraint)
    try:
        yield
    finally:
        Compensation.objects.all().delete()
        Breach.objects.all().delete()
        Measurement.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Measurement, constraint)


def two_runs() -> list[str]:
    return run_concurrently(
        [lambda: evaluation.sla_evaluate(now=AFTER), lambda: evaluation.sla_evaluate(now=AFTER)]
    )


def missed_level(history: History, make_level: MakeLevel) -> ServiceLevel:
    cancel_first_session(history)
    return make_level(
        Metric.SESSIONS_HELD, target=Decimal(95), compensation="fee_share",
        compensation_percent=Decimal(10),
    )  # fmt: skip


def test_two_runs_at_once_credit_each_family_once(
    history: History, make_level: MakeLevel, slow_measure: None
) -> None:
    require_postgresql()
    level = missed_level(history, make_level)

    assert two_runs() == ["ok", "ok"]

    assert Measurement.objects.filter(level=level, period_start=MONTH_START).count() == 1
    assert Compensation.objects.count() == 2
    assert LedgerTransaction.objects.filter(kind="compensation").count() == 2
    for family in history.families:
        assert wallet_balance(family=family) == FEE // 10
    assert_ledger_balances()


def test_control_without_the_lock_and_the_unique_key_credits_twice(
    history: History, make_level: MakeLevel, slow_measure: None, unguarded: None
) -> None:
    require_postgresql()
    level = missed_level(history, make_level)

    assert two_runs() == ["ok", "ok"]

    assert Measurement.objects.filter(level=level, period_start=MONTH_START).count() == 2
    assert Compensation.objects.count() == 4
    for family in history.families:
        assert wallet_balance(family=family) == 2 * (FEE // 10)
    # Money moved twice, yet every transaction balances: the ledger alone cannot tell.
    assert_ledger_balances()
    assert LedgerTransaction.objects.filter(kind="compensation").count() == 4
