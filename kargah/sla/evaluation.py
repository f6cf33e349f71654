"""The evaluation job: each service level measured per period and scope, each breach kept
with its evidence, each affected family credited once through the ledger and told."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kargah.accounts.models import Family
from kargah.core.locks import Busy, lock_keys
from kargah.core.persian import to_tehran
from kargah.core.services import audit_record
from kargah.notifications.catalogue import Day, Money
from kargah.notifications.services import notify
from kargah.sla import metrics
from kargah.sla.models import (
    Breach,
    Comparison,
    Compensation,
    CompensationKind,
    Measurement,
    ServiceLevel,
)
from kargah.sla.periods import at_midnight, periods_between
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

# --- evaluation ------------------------------------------------------------------------


def _settle() -> dt.timedelta:
    # Jobs that record what a period's last cases did (sessions held, messages sent) run
    # within minutes; a period is measured once this long has passed after it.
    return dt.timedelta(hours=settings.KARGAH_SLA_SETTLE_HOURS)


def periods_due(*, now: dt.datetime) -> Iterator[tuple[ServiceLevel, dt.date, dt.date]]:
    """Each (level, period) that has ended, settled, overlaps its version's term, falls in
    the look-back, and has no measurement yet."""
    settled_before = to_tehran(now - _settle()).date()
    lookback = to_tehran(now).date() - dt.timedelta(days=settings.KARGAH_SLA_LOOKBACK_DAYS)
    measured = set(Measurement.objects.values_list("level_id", "period_start"))
    for level in ServiceLevel.objects.select_related("version").order_by("id"):
        version = level.version
        first = max(version.valid_from, lookback)
        for start, end in periods_between(level.period, first, version.valid_until):
            if end > settled_before:
                break
            if (level.pk, start) not in measured:
                yield level, start, end


def _met(level: ServiceLevel, figure: Decimal | None) -> bool:
    if figure is None:  # nothing happened that the level counts: nothing was missed
        return True
    if level.comparison == Comparison.AT_MOST:
        return figure <= level.target
    return figure >= level.target


def _lock_period(level: ServiceLevel, start: dt.date) -> None:
    lock_keys(("sla-measurement", f"{level.pk}:{start.isoformat()}"))


def measurement_record(
    *, level: ServiceLevel, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> tuple[Measurement, bool]:
    """Measures one level over one period, once: its figure, each missed case as a breach
    with its evidence when the target was missed, and each affected family credited by the
    level's rule through the ledger and told. A second or concurrent call returns the
    measurement already recorded (the period's lock, and the unique key behind it); the
    flag says whether this call recorded it."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_period(level, start)
        existing = Measurement.objects.filter(level=level, period_start=start).first()
        if existing is not None:
            return existing, False
        window = metrics.Window(start=at_midnight(start), end=at_midnight(end), now=now)
        result = metrics.measure(level, window)
        missed = result.missed
        measurement = Measurement.objects.create(
            level=level, period_start=start, period_end=end, figure=result.figure,
            target=level.target, met=_met(level, result.figure), cases=len(result.cases),
            failures=len(missed), computed_at=now,
        )  # fmt: skip
        if measurement.met:
            return measurement, True
        Breach.objects.bulk_create(
            Breach(
                measurement=measurement,
                case_key=case.key,
                description=case.description[:300],
                offering_id=case.offering_id,
                session_id=case.session_id,
                evidence={
                    **case.evidence,
                    "families": sorted({a.family_id for a in case.affected}),
                    "enrollments": sorted(
                        {a.enrollment_id for a in case.affected if a.enrollment_id}
                    ),
                },
            )
            for case in missed
        )
        credited = _compensate(level, measurement, missed, now=now)
        audit_record(
            actor=None, action="sla.level_missed", obj=measurement,
            after={"level": level.pk, "period_start": start.isoformat(),
                   "figure": str(result.figure), "target": str(level.target),
                   "breaches": len(missed), "families_credited": credited},
        )  # fmt: skip
    return measurement, True


def compensation_amount(level: ServiceLevel, bases: list[int]) -> int:
    """What one family is credited: the fixed amount, or the level's share of the fees of
    its distinct affected places (whole Rials, rounded down)."""
    if level.compensation == CompensationKind.FIXED:
        return int(level.compensation_rials)
    if level.compensation == CompensationKind.FEE_SHARE:
        return int(Decimal(sum(bases)) * level.compensation_percent / 100)
    return 0


def _compensate(
    level: ServiceLevel, measurement: Measurement, missed: list[metrics.Case], *, now: dt.datetime
) -> int:
    # Each family once per missed measurement, whatever number of its cases were missed;
    # a place missed twice (two late sessions of one class) counts its fee once.
    bases: dict[int, dict[object, int]] = defaultdict(dict)
    for case in missed:
        for hit in case.affected:
            key: object = hit.enrollment_id or case.key
            bases[hit.family_id][key] = hit.base_rials
    if level.compensation == CompensationKind.NONE or not bases:
        return 0
    families = Family.objects.select_related("guardian").in_bulk(list(bases))
    pool = system_account(AccountKind.COMPENSATION)
    credited = 0
    for family_id in sorted(bases):
        amount = compensation_amount(level, list(bases[family_id].values()))
        if amount <= 0:
            continue
        family = families[family_id]
        txn = ledger_post(
            reference=f"sla:{measurement.pk}:{family_id}",
            kind=TransactionKind.COMPENSATION,
            entries=[(pool, -amount), (family_wallet(family), amount)],
            memo=f"service level {level.pk} {measurement.period_start}",
        )
        Compensation.objects.create(
            measurement=measurement, family=family, amount=amount, transaction=txn,
            enrollments=sorted(k for k in bases[family_id] if isinstance(k, int)),
            created_at=now,
        )  # fmt: skip
        notify(
            user=family.guardian,
            kind="sla_compensation",
            context={
                # Formatted when rendered, in the reader's language (Persian or Latin digits).
                "amount": Money(amount),
                "level": level.name,
                "period": Day(measurement.period_start),
            },
            event_key=f"sla-compensation:{measurement.pk}:{family_id}",
            link=reverse("enrollment:wallet"),
        )
        credited += 1
    return credited


def sla_evaluate(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: measures every level over every period due; returns how many
    measurements it recorded. Idempotent: a repeated or overlapping run records none twice."""
    now = now or timezone.now()
    recorded = 0
    for level, start, end in list(periods_due(now=now)):
        try:
            _measurement, created = measurement_record(level=level, start=start, end=end, now=now)
        except Busy:
            continue  # another run holds this period and is measuring it now
        recorded += created
    return recorded
