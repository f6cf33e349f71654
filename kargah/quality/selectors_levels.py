"""Reads of the quality supervisor's service-level dashboard: each level's measurements over
time, the breaches behind a missed period with the session or request each stands for, the
compensation credited, and a Jalali month's report. Every figure is a recorded measurement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jdatetime
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kargah.accounts.models import Family
from kargah.catalog.models import CancelCause, Session, SessionStatus
from kargah.classroom.models import JoinLog, JoinOutcome, JoinRole
from kargah.core.persian import (
    JALALI_MONTHS_EN,
    JALALI_MONTHS_FA,
    format_jalali_date,
    format_jalali_datetime,
    localize_digits,
    to_jalali,
)
from kargah.enrollment.models import Enrollment
from kargah.notifications.models import OutboxMessage
from kargah.sla import selectors as sla_selectors
from kargah.sla.models import (
    Breach,
    Compensation,
    Measurement,
    ServiceEvent,
    ServiceLevel,
    SlaVersion,
)
from kargah.sla.selectors_card import figure_text, is_count, number_text
from kargah.wallet.models import RefundRequest

# The report lists this many breaches by name; the rest are counted (the XLSX has them all).
REPORT_BREACHES = 60
# The dashboard offers the monthly report of this many Jalali months, the current one first.
REPORT_MONTHS = 12


def versions() -> QuerySet[SlaVersion]:
    return sla_selectors.version_list()


def dashboard_version(version_id: int | None) -> SlaVersion | None:
    """The version asked for, else the one in force, else the newest."""
    if version_id is not None:
        return SlaVersion.objects.filter(pk=version_id).first()
    return sla_selectors.version_in_force() or SlaVersion.objects.order_by("-valid_from").first()


@dataclass(frozen=True)
class MeasurementRow:
    """A measured period as a table shows it (the measurement carries its breach and credit
    counts, annotated)."""

    measurement: Measurement
    figure_text: str
    last_day: dt.date
    breaches: int
    credited_rials: int
    credits: int


@dataclass
class LevelHistory:
    """A level and its measurements, oldest first, with the breaches and credits behind them."""

    level: ServiceLevel
    measurements: list[Measurement]
    breaches: int = 0
    credited_rials: int = 0
    credits: int = 0

    @property
    def count(self) -> bool:
        return is_count(self.level)

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    def figure_text(self, measurement: Measurement) -> str:
        if measurement.figure is None:
            return ""
        return figure_text(measurement.figure, percent=not self.count)

    @property
    def target_text(self) -> str:
        return figure_text(self.level.target, percent=not self.count)

    @property
    def latest_text(self) -> str:
        latest = self.latest
        return "" if latest is None else self.figure_text(latest)

    def rows(self) -> list[MeasurementRow]:
        """The measured periods, newest first."""
        return [
            MeasurementRow(
                measurement=m,
                figure_text=self.figure_text(m),
                last_day=m.period_end - dt.timedelta(days=1),
                breaches=getattr(m, "breach_count", 0),
                credited_rials=int(getattr(m, "credited_rials", 0) or 0),
                credits=getattr(m, "credit_count", 0),
            )
            for m in reversed(self.measurements)
        ]

    def chart(self) -> dict[str, Any]:
        """Chart.js data: the figure of each period (a gap where nothing was counted) and
        the target, by the period's first day in Jalali."""
        return {
            "labels": [format_jalali_date(m.period_start) for m in self.measurements],
            "datasets": [
                {
                    "label": _("Figure"),
                    "data": [
                        None if m.figure is None else float(m.figure) for m in self.measurements
                    ],
                },
                {"label": _("Target"), "data": [float(m.target) for m in self.measurements]},
            ],
        }


def _annotated(measurements: QuerySet[Measurement]) -> QuerySet[Measurement]:
    return measurements.annotate(
        breach_count=Count("breaches", distinct=True),
        credited_rials=Sum("compensations__amount"),
        credit_count=Count("compensations", distinct=True),
    )


def level_histories(version: SlaVersion) -> list[LevelHistory]:
    """Each level of the version with its measurements (two queries in all)."""
    levels = list(version.levels.select_related("scope_center", "scope_category").order_by("id"))
    by_level: dict[int, list[Measurement]] = {level.pk: [] for level in levels}
    rows = _annotated(Measurement.objects.filter(level__in=levels)).order_by(
        "level_id", "period_start"
    )
    for measurement in rows:
        by_level[measurement.level_id].append(measurement)
    histories = []
    for level in levels:
        history = LevelHistory(level=level, measurements=by_level[level.pk])
        for m in history.measurements:
            history.breaches += m.breach_count  # type: ignore[attr-defined]
            history.credited_rials += int(m.credited_rials or 0)  # type: ignore[attr-defined]
            history.credits += m.credit_count  # type: ignore[attr-defined]
        histories.append(history)
    return histories


def level_history(level: ServiceLevel) -> LevelHistory:
    rows = _annotated(Measurement.objects.filter(level=level)).order_by("period_start")
    history = LevelHistory(level=level, measurements=list(rows))
    for m in history.measurements:
        history.breaches += m.breach_count  # type: ignore[attr-defined]
        history.credited_rials += int(m.credited_rials or 0)  # type: ignore[attr-defined]
        history.credits += m.credit_count  # type: ignore[attr-defined]
    return history


def level_get(level_id: int) -> ServiceLevel | None:
    return (
        ServiceLevel.objects.select_related("version", "scope_center", "scope_category")
        .filter(pk=level_id)
        .first()
    )


def measurement_get(measurement_id: int) -> Measurement | None:
    return Measurement.objects.select_related("level__version").filter(pk=measurement_id).first()


def measurement_breaches(measurement: Measurement) -> QuerySet[Breach]:
    return sla_selectors.breaches(measurement=measurement).order_by("id")


def measurement_compensations(measurement: Measurement) -> QuerySet[Compensation]:
    return (
        Compensation.objects.filter(measurement=measurement)
        .select_related("family__guardian", "transaction")
        .order_by("family_id")
    )


def breach_get(breach_id: int) -> Breach | None:
    return (
        Breach.objects.select_related(
            "measurement__level__version", "offering__course", "offering__center", "session"
        )
        .filter(pk=breach_id)
        .first()
    )


def family_label(family: Family) -> str:
    """A family as the dashboard names it: the guardian's name, never the mobile number
    (a guardian without a name is shown by the family's number)."""
    name = family.guardian.get_full_name().strip()
    return name or _("Family No. %(n)s") % {"n": localize_digits(family.pk)}


# --- a breach's title and evidence, in words ----------------------------------------------


def breach_title(breach: Breach) -> str:
    """What the breach stands for, in the page's language (the stored description is the
    metric's own note): the class and session, or the request, place, join or message."""
    kind, _sep, raw = breach.case_key.partition(":")
    number = localize_digits(raw)
    course = breach.offering.course.title if breach.offering else ""
    if breach.session is not None:
        return _("%(course)s, session %(n)s") % {
            "course": course,
            "n": localize_digits(breach.session.number),
        }
    if kind == "refund":
        return _("Refund request No. %(n)s") % {"n": number}
    if kind == "outbox":
        return _("Message No. %(n)s") % {"n": number}
    if kind == "enrollment":
        return _("%(course)s, registration No. %(n)s") % {"course": course, "n": number}
    return course or breach.case_key


EVIDENCE_LABELS: dict[str, Any] = {
    "published_at": gettext_lazy("Schedule published"),
    "registration_opens_at": gettext_lazy("Registration opened"),
    "days_ahead": gettext_lazy("Days ahead"),
    "starts_at": gettext_lazy("Session start"),
    "status": gettext_lazy("Session status"),
    "rescheduled": gettext_lazy("Moved after publishing"),
    "cancel_cause": gettext_lazy("Cause of cancellation"),
    "holiday": gettext_lazy("Holiday or closure"),
    "cancelled_at": gettext_lazy("Cancelled"),
    "cause": gettext_lazy("Cause of cancellation"),
    "makeup_scheduled_at": gettext_lazy("Make-up scheduled"),
    "makeup_held_at": gettext_lazy("Make-up held"),
    "registration_closed_at": gettext_lazy("Registration closed"),
    "credited_at": gettext_lazy("Credited to the wallet"),
    "ledger_reference": gettext_lazy("Ledger reference"),
    "approved_at": gettext_lazy("Refund approved"),
    "paid_at": gettext_lazy("Paid to the bank account"),
    "working_days": gettext_lazy("Working days taken"),
    "due": gettext_lazy("Due by"),
    "instructor_seen_at": gettext_lazy("Instructor first seen in the room"),
    "at": gettext_lazy("Clicked"),
    "outcome": gettext_lazy("Outcome"),
    "role": gettext_lazy("Role"),
    "created_at": gettext_lazy("Message written"),
    "sent_at": gettext_lazy("Message sent"),
    "first_click_at": gettext_lazy("First click"),
    "first_click_recorded": gettext_lazy("First click recorded"),
    "confirmed_at": gettext_lazy("Place confirmed"),
    "minutes": gettext_lazy("Minutes taken"),
}
_CHOICES: dict[str, dict[str, Any]] = {
    "status": dict(SessionStatus.choices),
    "cancel_cause": dict(CancelCause.choices),
    "cause": dict(CancelCause.choices),
    "outcome": dict(JoinOutcome.choices),
    "role": dict(JoinRole.choices),
}


def _evidence_value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if key in _CHOICES:
        return str(_CHOICES[key].get(value, value))
    if isinstance(value, int | float):
        return number_text(Decimal(str(value)))
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            if "T" in value:
                return format_jalali_datetime(dt.datetime.fromisoformat(value))
            return format_jalali_date(dt.date.fromisoformat(value))
        except ValueError:
            pass
    return localize_digits(value)


def evidence_rows(breach: Breach) -> list[tuple[str, str]]:
    """The recorded evidence as (label, value) in the page's language; the affected
    families and places are shown apart (breach_places)."""
    return [
        (str(label), _evidence_value(key, breach.evidence[key]))
        for key, label in EVIDENCE_LABELS.items()
        if key in breach.evidence
    ]


@dataclass
class BreachSubject:
    """What a breach stands for: a session, a class, a place, a refund request, a join or a
    message (the case key's kind), loaded for the drill-down."""

    kind: str
    session: Session | None = None
    service_events: list[ServiceEvent] = field(default_factory=list)
    enrollment: Enrollment | None = None
    refund: RefundRequest | None = None
    join: JoinLog | None = None
    message: OutboxMessage | None = None


def breach_subject(breach: Breach) -> BreachSubject:
    kind, _sep, raw = breach.case_key.partition(":")
    pk = int(raw) if raw.isdigit() else 0
    subject = BreachSubject(kind=kind)
    if breach.session_id:
        subject.session = (
            Session.objects.select_related("offering__course", "offering__center", "makeup_for")
            .filter(pk=breach.session_id)
            .first()
        )
        subject.service_events = list(
            ServiceEvent.objects.filter(
                Q(session_id=breach.session_id) | Q(session__makeup_for_id=breach.session_id)
            )
            .select_related("session")
            .order_by("at", "id")
        )
    if kind == "enrollment":
        subject.enrollment = (
            Enrollment.objects.select_related("offering__course", "family__guardian")
            .filter(pk=pk)
            .first()
        )
    elif kind == "refund":
        subject.refund = (
            RefundRequest.objects.select_related("family__guardian").filter(pk=pk).first()
        )
    elif kind == "join":
        subject.join = (
            JoinLog.objects.select_related("session__offering__course").filter(pk=pk).first()
        )
    elif kind == "outbox":
        subject.message = OutboxMessage.objects.filter(pk=pk).first()
    return subject


def breach_places(breach: Breach) -> list[Enrollment]:
    """The places the breach touched (its evidence's enrolments), with their families."""
    ids = [int(pk) for pk in breach.evidence.get("enrollments", [])]
    return list(
        Enrollment.objects.filter(pk__in=ids)
        .select_related("offering__course", "family__guardian")
        .order_by("id")
    )


def breach_credits(breach: Breach) -> list[Compensation]:
    """What each family the breach touched was credited for its measurement."""
    families = [int(pk) for pk in breach.evidence.get("families", [])]
    return list(
        Compensation.objects.filter(measurement_id=breach.measurement_id, family_id__in=families)
        .select_related("family__guardian")
        .order_by("family_id")
    )


# --- totals and the monthly report ------------------------------------------------------


def compensation_totals(version: SlaVersion | None = None) -> dict[str, int]:
    rows = Compensation.objects.all()
    if version is not None:
        rows = rows.filter(measurement__level__version=version)
    totals = rows.aggregate(
        total=Sum("amount"), count=Count("id"), families=Count("family_id", distinct=True)
    )
    return {key: int(value or 0) for key, value in totals.items()}


@dataclass(frozen=True)
class ReportMonth:
    year: int
    month: int

    @property
    def start(self) -> dt.date:
        return jdatetime.date(self.year, self.month, 1).togregorian()

    @property
    def end(self) -> dt.date:
        """The first day after the month."""
        following = (
            jdatetime.date(self.year + 1, 1, 1)
            if self.month == 12
            else jdatetime.date(self.year, self.month + 1, 1)
        )
        return following.togregorian()

    @property
    def label(self) -> str:
        """فروردین ۱۴۰۳ (Farvardin 1403 in English)."""
        persian = (translation.get_language() or "fa").startswith("fa")
        name = (JALALI_MONTHS_FA if persian else JALALI_MONTHS_EN)[self.month - 1]
        return localize_digits(f"{name} {self.year}")


def report_months(day: dt.date | None = None) -> list[ReportMonth]:
    """The current Jalali month and the REPORT_MONTHS - 1 before it, newest first."""
    j = to_jalali(day or sla_selectors.today())
    months = []
    year, month = j.year, j.month
    for _i in range(REPORT_MONTHS):
        months.append(ReportMonth(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


@dataclass
class ReportRow:
    history: LevelHistory
    measurement: Measurement

    @property
    def figure_text(self) -> str:
        return self.history.figure_text(self.measurement)


@dataclass
class MonthlyReport:
    month: ReportMonth
    versions: list[SlaVersion]
    rows: list[ReportRow]
    breaches: list[Breach]
    breach_total: int
    paid: dict[str, int]

    @property
    def missed(self) -> int:
        return sum(1 for row in self.rows if not row.measurement.met)


def monthly_report(month: ReportMonth) -> MonthlyReport:
    """The periods that began in the Jalali month: each level's figure against its target,
    the breaches behind the missed ones, and what was credited for them."""
    start, end = month.start, month.end
    measurements = list(
        _annotated(Measurement.objects.filter(period_start__gte=start, period_start__lt=end))
        .select_related("level__version", "level__scope_center", "level__scope_category")
        .order_by("level_id", "period_start")
    )
    histories: dict[int, LevelHistory] = {}
    rows = []
    for measurement in measurements:
        history = histories.setdefault(
            measurement.level_id, LevelHistory(level=measurement.level, measurements=[])
        )
        history.measurements.append(measurement)
        rows.append(ReportRow(history=history, measurement=measurement))
    breaches = sla_selectors.breaches().filter(
        measurement__period_start__gte=start, measurement__period_start__lt=end
    )
    in_force = SlaVersion.objects.filter(valid_from__lt=end, valid_until__gte=start).order_by(
        "valid_from", "id"
    )
    return MonthlyReport(
        month=month,
        versions=list(in_force),
        rows=rows,
        breaches=list(breaches.order_by("measurement__level_id", "id")[:REPORT_BREACHES]),
        breach_total=breaches.count(),
        paid=sla_selectors.compensation_paid(start=start, end=end),
    )
