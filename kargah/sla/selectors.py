"""Reads of the SLA part: the version in force, the staff notice about it, and what the
service card and the supervisor's dashboard show (figures, history, breaches, credits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from kargah.core.persian import to_tehran
from kargah.sla.models import Breach, Compensation, Measurement, ServiceLevel, SlaVersion
from kargah.sla.services import NOTICE_CACHE_KEY

# Staff are warned this many days before the version in force runs out.
EXPIRY_WARNING_DAYS = 30
NOTICE_CACHE_SECONDS = 600


def today() -> dt.date:
    return to_tehran(timezone.now()).date()


def version_in_force(day: dt.date | None = None) -> SlaVersion | None:
    """The newest version whose term holds `day` (today in Tehran by default): a renewal
    signed before the old term ends replaces it from its own first day."""
    day = day or today()
    return (
        SlaVersion.objects.filter(valid_from__lte=day, valid_until__gte=day)
        .order_by("-valid_from", "-id")
        .first()
    )


def version_list() -> QuerySet[SlaVersion]:
    return SlaVersion.objects.annotate(level_count=Count("levels")).order_by("-valid_from", "-id")


@dataclass(frozen=True)
class AgreementNotice:
    """What every staff page says about the agreement: "none" (no version in force) or
    "expiring" (the one in force ends within EXPIRY_WARNING_DAYS, with no successor)."""

    kind: str
    title: str = ""
    valid_until: dt.date | None = None
    days_left: int = 0


def agreement_notice(day: dt.date | None = None) -> AgreementNotice | None:
    day = day or today()
    current = version_in_force(day)
    if current is None:
        return AgreementNotice(kind="none")
    days_left = (current.valid_until - day).days
    if days_left > EXPIRY_WARNING_DAYS:
        return None
    following = current.valid_until + dt.timedelta(days=1)
    if version_in_force(following) is not None:
        return None  # the renewal is signed already
    return AgreementNotice(
        kind="expiring", title=current.title, valid_until=current.valid_until, days_left=days_left
    )


def agreement_notice_cached() -> AgreementNotice | None:
    """The notice for today, from the cache (one read per staff page). Every version change
    clears it; the day is stored with it, so a notice never outlives its day."""
    day = today()
    cached = cache.get(NOTICE_CACHE_KEY)
    if cached is None or cached[0] != day:
        cached = (day, agreement_notice(day))
        cache.set(NOTICE_CACHE_KEY, cached, NOTICE_CACHE_SECONDS)
    return cached[1]


def levels_in_force(day: dt.date | None = None) -> list[ServiceLevel]:
    version = version_in_force(day)
    if version is None:
        return []
    return list(version.levels.select_related("scope_center", "scope_category").order_by("id"))


@dataclass(frozen=True)
class LevelFigure:
    level: ServiceLevel
    measurement: Measurement | None  # the latest period measured, or None yet


def current_figures(day: dt.date | None = None) -> list[LevelFigure]:
    """Each level of the version in force with its latest measurement (the service card)."""
    levels = levels_in_force(day)
    latest: dict[int, Measurement] = {}
    for measurement in Measurement.objects.filter(level__in=levels).order_by(
        "level_id", "-period_start"
    ):
        latest.setdefault(measurement.level_id, measurement)
    return [LevelFigure(level, latest.get(level.pk)) for level in levels]


def measurements_over_time(*, level: ServiceLevel) -> QuerySet[Measurement]:
    """A level's measurements, oldest first (the dashboard's chart)."""
    return Measurement.objects.filter(level=level).order_by("period_start")


def breaches(
    *, level: ServiceLevel | None = None, measurement: Measurement | None = None
) -> QuerySet[Breach]:
    """Breaches with their evidence and the session or class behind them, newest first."""
    rows = Breach.objects.select_related(
        "measurement__level", "offering__course", "offering__center", "session"
    )
    if level is not None:
        rows = rows.filter(measurement__level=level)
    if measurement is not None:
        rows = rows.filter(measurement=measurement)
    return rows.order_by("-measurement__period_start", "id")


def compensations(*, level: ServiceLevel | None = None) -> QuerySet[Compensation]:
    rows = Compensation.objects.select_related("measurement__level", "family__guardian")
    if level is not None:
        rows = rows.filter(measurement__level=level)
    return rows.order_by("-created_at", "-id")


def compensation_paid(
    *, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, int]:
    """Total credited and how many credits, for measured periods starting in [start, end)."""
    rows = Compensation.objects.all()
    if start is not None:
        rows = rows.filter(measurement__period_start__gte=start)
    if end is not None:
        rows = rows.filter(measurement__period_start__lt=end)
    totals = rows.aggregate(total=Sum("amount"), count=Count("id"))
    return {"total": int(totals["total"] or 0), "count": int(totals["count"] or 0)}
