"""The evaluation job: a missed level records its breaches with evidence and credits each
affected family once by the level's rule, through a ledger that balances, with a message;
a second run changes nothing; a met level credits nobody."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from kargah.catalog.models import CancelCause, Session, SessionStatus
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.notifications.models import InboxItem, OutboxMessage
from kargah.sla.evaluation import compensation_amount, sla_evaluate
from kargah.sla.models import Breach, Compensation, Measurement, Metric
from kargah.sla.periods import at_midnight
from kargah.sla.tests.conftest import FEE, MONTH_END, MONTH_START, History, MakeLevel, hold
from kargah.wallet.models import AccountKind, LedgerEntry, LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db

AFTER = at_midnight(MONTH_END) + dt.timedelta(days=2)


def cancel_first_session(history: History) -> Session:
    first, second, third = history.sessions
    Session.objects.filter(pk=first.pk).update(
        status=SessionStatus.CANCELLED, cancel_cause=CancelCause.CENTER_DECISION
    )
    hold(second)
    hold(third)
    return first


def assert_ledger_balances() -> None:
    """Every transaction's entries sum to zero, and so does the whole ledger."""
    unbalanced = LedgerEntry.objects.values("transaction_id").annotate(s=Sum("amount")).exclude(s=0)
    assert list(unbalanced) == []
    assert LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] in (0, None)


def test_a_missed_level_credits_each_affected_family_once(
    history: History, make_level: MakeLevel
) -> None:
    """One of three sessions cancelled (66.67% < 95%): a breach for it with its evidence;
    each family credited 10% of what it paid for its places in the class — the first
    family has two children in it, so 10% of both fees, once — and told."""
    sibling = EnrollmentFactory.create(
        offering=history.offering,
        learner__family=history.families[0],
        family=history.families[0],
        fee_rials=FEE,
        paid_rials=FEE,
    )
    cancelled = cancel_first_session(history)
    level = make_level(
        Metric.SESSIONS_HELD, target=Decimal(95), compensation="fee_share",
        compensation_percent=Decimal(10),
    )  # fmt: skip

    recorded = sla_evaluate(now=AFTER)

    # 1403/01 (no session: met) and 1403/02 (missed); later months are not over yet.
    assert recorded == 2
    missed = Measurement.objects.get(level=level, period_start=MONTH_START)
    assert (missed.figure, missed.met, missed.cases, missed.failures) == (
        Decimal("66.67"), False, 3, 1,
    )  # fmt: skip
    breach = Breach.objects.get(measurement=missed)
    assert breach.session_id == cancelled.pk
    assert set(breach.evidence["families"]) == {f.pk for f in history.families}
    assert set(breach.evidence["enrollments"]) == {p.pk for p in [*history.places, sibling]}
    first, second = history.families
    credits = {c.family_id: c.amount for c in Compensation.objects.all()}
    assert credits == {first.pk: 1_000_000, second.pk: 500_000}
    assert wallet_balance(family=first) == 1_000_000
    assert wallet_balance(family=second) == 500_000
    assert LedgerTransaction.objects.filter(kind="compensation").count() == 2
    assert OutboxMessage.objects.filter(kind="sla_compensation").count() == 2
    assert InboxItem.objects.filter(kind="sla_compensation").count() == 2
    assert AuditLogEntry.objects.filter(action="sla.level_missed").count() == 1
    assert_ledger_balances()

    # The job runs again (the next hour, or by hand): nothing new.
    assert sla_evaluate(now=AFTER) == 0
    assert sla_evaluate(now=AFTER + dt.timedelta(hours=1)) == 0
    assert Compensation.objects.count() == 2
    assert LedgerTransaction.objects.filter(kind="compensation").count() == 2
    assert OutboxMessage.objects.filter(kind="sla_compensation").count() == 2
    assert wallet_balance(family=first) == 1_000_000
    assert_ledger_balances()


def test_fixed_amount_and_the_compensation_account(history: History, make_level: MakeLevel) -> None:
    cancel_first_session(history)
    make_level(Metric.SESSIONS_HELD, target=95, compensation="fixed", compensation_rials=200_000)
    sla_evaluate(now=AFTER)
    assert [c.amount for c in Compensation.objects.order_by("family_id")] == [200_000, 200_000]
    pool = LedgerEntry.objects.filter(account__kind=AccountKind.COMPENSATION)
    assert pool.aggregate(s=Sum("amount"))["s"] == -400_000
    assert_ledger_balances()


def test_a_met_level_records_its_figure_and_credits_nobody(
    history: History, make_level: MakeLevel
) -> None:
    for session in history.sessions:
        hold(session)
    level = make_level(Metric.SESSIONS_HELD, target=95, compensation="fixed",
                       compensation_rials=200_000)  # fmt: skip
    sla_evaluate(now=AFTER)
    measurement = Measurement.objects.get(level=level, period_start=MONTH_START)
    assert (measurement.figure, measurement.met) == (Decimal("100.00"), True)
    assert not Breach.objects.exists()
    assert not Compensation.objects.exists()


def test_a_period_not_over_is_not_measured(history: History, make_level: MakeLevel) -> None:
    """Before the month has ended and settled, only the months before it are measured."""
    cancel_first_session(history)
    level = make_level(Metric.SESSIONS_HELD, target=95)
    sla_evaluate(now=at_midnight(MONTH_END) + dt.timedelta(hours=3))
    assert list(Measurement.objects.filter(level=level).values_list("period_start", flat=True)) == [
        dt.date(2024, 3, 20)
    ]


def test_compensation_amount_rounds_down_to_whole_rials(make_level: MakeLevel) -> None:
    level = make_level(Metric.SESSIONS_HELD, compensation="fee_share",
                       compensation_percent=Decimal("12.5"))  # fmt: skip
    assert compensation_amount(level, [1_000_001]) == 125_000
    level.compensation = "none"
    assert compensation_amount(level, [1_000_000]) == 0


def test_the_selectors_the_card_and_the_dashboard_read(
    history: History, make_level: MakeLevel
) -> None:
    """The current figure of each level in force, its measurements over time, the breaches
    with their evidence and the compensation paid all come from what the job recorded."""
    from kargah.sla import selectors

    cancel_first_session(history)
    level = make_level(Metric.SESSIONS_HELD, target=95, compensation="fixed",
                       compensation_rials=200_000)  # fmt: skip
    sla_evaluate(now=AFTER)
    day = MONTH_END  # inside the version's term
    [figure] = selectors.current_figures(day)
    assert figure.level == level
    assert figure.measurement is not None
    assert (figure.measurement.period_start, figure.measurement.figure) == (
        MONTH_START, Decimal("66.67"),
    )  # fmt: skip
    assert [m.period_start for m in selectors.measurements_over_time(level=level)] == [
        dt.date(2024, 3, 20), MONTH_START,
    ]  # fmt: skip
    [breach] = selectors.breaches(level=level)
    assert breach.session == history.sessions[0]
    assert breach.evidence["status"] == SessionStatus.CANCELLED
    assert selectors.compensation_paid() == {"total": 400_000, "count": 2}
    assert selectors.compensation_paid(start=MONTH_END) == {"total": 0, "count": 0}
    assert {c.family for c in selectors.compensations(level=level)} == set(history.families)


def test_a_period_another_run_holds_is_left_to_it(
    history: History, make_level: MakeLevel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When another run holds a period's lock past the lock timeout, this run skips that
    period (the next hourly run finds it measured, or measures it) and goes on."""
    from kargah.core.locks import Busy
    from kargah.sla import evaluation

    level = make_level(Metric.SESSIONS_HELD, target=95)
    real = evaluation._lock_period

    def busy_for_the_month(level: object, start: dt.date) -> None:
        if start == MONTH_START:
            raise Busy("busy")
        real(level, start)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluation, "_lock_period", busy_for_the_month)
    assert sla_evaluate(now=AFTER) == 1
    monkeypatch.setattr(evaluation, "_lock_period", real)
    assert sla_evaluate(now=AFTER) == 1
    assert Measurement.objects.filter(level=level).count() == 2


def test_beat_runs_the_evaluation_hourly(history: History, make_level: MakeLevel) -> None:
    """The task beat names exists and runs the job; this history lies beyond the look-back
    of today's run, so nothing of 1403 is measured (nor credited) now."""
    from celery import current_app
    from celery.schedules import crontab
    from django.conf import settings

    from kargah.sla import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["sla-evaluate"]
    assert entry["task"] == "kargah.sla.tasks.sla_evaluate"
    assert entry["task"] in current_app.tasks
    assert entry["schedule"] == crontab(minute=20)
    make_level(Metric.SESSIONS_HELD, target=95)
    assert tasks.sla_evaluate_task.delay().get() == 0
    assert not Measurement.objects.exists()
