"""Reads of the public service card (شناسنامه خدمت): the agreement in force, its promises in
numbers, each level's latest figure against its target, and the fee table of the catalog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Min
from django.utils import translation

from kargah.catalog.models import Offering
from kargah.catalog.selectors import PUBLIC_STATUSES
from kargah.core.persian import to_persian_digits
from kargah.sla import metrics
from kargah.sla.models import Comparison, Metric, Scope, ServiceLevel, SlaVersion
from kargah.sla.selectors import current_figures, today, version_in_force


def number_text(value: Decimal | int) -> str:
    """۹۵ or ۶۶٫۶۷ (95, 66.67 in English): digits of the active language, no trailing zeros."""
    text = f"{Decimal(value).normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if (translation.get_language() or "fa").startswith("fa"):
        return to_persian_digits(text).replace(".", "٫")
    return text


def figure_text(value: Decimal | int, *, percent: bool) -> str:
    """A figure as read: ۹۶٫۵٪ for a share, ۲ for a count."""
    text = number_text(value)
    if not percent:
        return text
    return f"{text}٪" if (translation.get_language() or "fa").startswith("fa") else f"{text}%"


def is_count(level: ServiceLevel) -> bool:
    """Whether the level's figure counts cases (sessions on a holiday) rather than a share."""
    definition = metrics.REGISTRY.get(level.metric)
    return definition is not None and definition.figure == "count"


@dataclass(frozen=True)
class CardLevel:
    """One level as the card and the dashboard show it: the latest measured period's figure
    (None: nothing happened that the level counts) against the target."""

    level: ServiceLevel
    count: bool
    at_most: bool
    measured: bool
    figure: Decimal | None
    met: bool | None
    period_start: dt.date | None
    period_last_day: dt.date | None

    @property
    def figure_text(self) -> str:
        return "" if self.figure is None else figure_text(self.figure, percent=not self.count)

    @property
    def target_text(self) -> str:
        return figure_text(self.level.target, percent=not self.count)


def card_levels(day: dt.date | None = None) -> list[CardLevel]:
    rows = []
    for item in current_figures(day):
        measurement = item.measurement
        rows.append(
            CardLevel(
                level=item.level,
                count=is_count(item.level),
                at_most=item.level.comparison == Comparison.AT_MOST,
                measured=measurement is not None,
                figure=measurement.figure if measurement else None,
                met=measurement.met if measurement else None,
                period_start=measurement.period_start if measurement else None,
                period_last_day=(
                    measurement.period_end - dt.timedelta(days=1) if measurement else None
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class ServiceTimes:
    """How long each step takes, as the levels in force promise it (their N and M); None
    where no level of the agreement promises that step."""

    registration_minutes: int | None = None
    schedule_days_ahead: int | None = None
    quorum_credit_hours: int | None = None
    refund_working_days: int | None = None
    makeup_scheduled_days: int | None = None
    makeup_held_days: int | None = None
    instructor_minutes: int | None = None


def service_times(levels: list[ServiceLevel]) -> ServiceTimes:
    # A promise to everyone is a level over all centers; a center's own stricter level
    # does not speak for the others.
    network: dict[str, ServiceLevel] = {}
    for level in levels:
        if level.scope == Scope.ALL:
            network.setdefault(level.metric, level)

    def n(metric: str) -> int | None:
        level = network.get(metric)
        return None if level is None else int(level.threshold)

    makeup = network.get(Metric.MAKEUP_TIMELY)
    return ServiceTimes(
        registration_minutes=n(Metric.REGISTRATION_TIME),
        schedule_days_ahead=n(Metric.SCHEDULE_PUBLISHED_AHEAD),
        quorum_credit_hours=n(Metric.QUORUM_CREDIT_TIME),
        refund_working_days=n(Metric.REFUND_WORKING_DAYS),
        makeup_scheduled_days=int(makeup.threshold) if makeup else None,
        makeup_held_days=int(makeup.threshold_2) if makeup else None,
        instructor_minutes=n(Metric.INSTRUCTOR_ON_TIME),
    )


@dataclass(frozen=True)
class FeeRow:
    center: str
    course: str
    sessions: int
    session_minutes: int
    fee_min: int  # Rials; the lowest and highest fee of the course's offerings at the center
    fee_max: int
    offerings: int


def fee_table() -> list[FeeRow]:
    """The fee of each course at each center, from the offerings the catalog shows."""
    rows = (
        Offering.objects.filter(status__in=PUBLIC_STATUSES, fee_rials__isnull=False)
        .values(
            "center_id",
            "center__name",
            "center__is_virtual",
            "course_id",
            "course__title",
            "course__session_count",
            "course__session_minutes",
        )
        .annotate(fee_min=Min("fee_rials"), fee_max=Max("fee_rials"), offerings=Count("id"))
        .order_by("-center__is_virtual", "center__name", "course__title", "course_id")
    )
    return [
        FeeRow(
            center=row["center__name"],
            course=row["course__title"],
            sessions=row["course__session_count"],
            session_minutes=row["course__session_minutes"],
            fee_min=int(row["fee_min"]),
            fee_max=int(row["fee_max"]),
            offerings=row["offerings"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ServiceCard:
    day: dt.date
    version: SlaVersion | None
    levels: list[CardLevel]
    times: ServiceTimes
    fees: list[FeeRow]


def service_card(day: dt.date | None = None) -> ServiceCard:
    """Everything the card shows on `day` (today in Tehran by default)."""
    day = day or today()
    levels = card_levels(day)
    return ServiceCard(
        day=day,
        version=version_in_force(day),
        levels=levels,
        times=service_times([row.level for row in levels]),
        fees=fee_table(),
    )
