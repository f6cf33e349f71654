"""The metrics of the service levels: each a function of (level, period) that reads recorded
rows (audit log, service events, sessions, the classroom's rooms and join log, the outbox,
the ledger, refund requests) and returns its cases, the figure and the evidence following
from them. Nothing here is typed in by a person (rule 10).

A case belongs to the period in which its deadline falls (a cancellation's make-up to the
period M days after it, a refund to the day its N working days run out), so that once a
period has ended every case in it is decided, and its measurement never changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet

from kargah.accounts.models import Family
from kargah.catalog.models import (
    CancelCause,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.catalog.selectors import holidays_of_center
from kargah.classroom.models import JoinLog, JoinOutcome
from kargah.core.models import AuditLogEntry
from kargah.core.persian import to_tehran
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.sla.models import (
    Metric,
    RegistrationStart,
    Scope,
    ServiceEvent,
    ServiceEventKind,
    ServiceLevel,
)
from kargah.sla.periods import add_working_days, official_holidays, working_days_between
from kargah.wallet.models import LedgerTransaction, RefundRequest, RefundStatus

# Places that were paid for and so are owed the promise (and its credit).
PLACE_STATUSES = (
    EnrollmentStatus.AWAITING_APPROVAL,
    EnrollmentStatus.CONFIRMED,
    EnrollmentStatus.COMPLETED,
)


@dataclass(frozen=True)
class Affected:
    """A family a missed case touched; `base_rials` is what a share of the fee applies to
    (what it paid for the place, or the late refund's amount)."""

    family_id: int
    enrollment_id: int | None
    base_rials: int


@dataclass
class Case:
    key: str
    ok: bool
    description: str
    evidence: dict[str, Any] = field(default_factory=dict)
    offering_id: int | None = None
    session_id: int | None = None
    affected: list[Affected] = field(default_factory=list)


@dataclass
class Result:
    figure: Decimal | None
    cases: list[Case]

    @property
    def missed(self) -> list[Case]:
        return [case for case in self.cases if not case.ok]


@dataclass(frozen=True)
class Window:
    """The period measured, as aware datetimes [start, end), and the moment of measuring."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime

    def holds(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


Compute = Callable[[ServiceLevel, Window], list[Case]]


@dataclass(frozen=True)
class MetricDef:
    compute: Compute
    # "share": percent of cases met; "count": how many cases missed (holiday sessions).
    figure: str = "share"
    # Whether a center or field scope means anything (a refund belongs to no class).
    scoped: bool = True


REGISTRY: dict[str, MetricDef] = {}


def metric(key: str, *, figure: str = "share", scoped: bool = True) -> Callable[[Compute], Compute]:
    def register(compute: Compute) -> Compute:
        REGISTRY[key] = MetricDef(compute=compute, figure=figure, scoped=scoped)
        return compute

    return register


def measure(level: ServiceLevel, window: Window) -> Result:
    """The level's cases in the window and its figure (None when there was no case)."""
    definition = REGISTRY[level.metric]
    cases = definition.compute(level, window)
    if definition.figure == "count":
        figure: Decimal | None = Decimal(sum(1 for case in cases if not case.ok))
    elif cases:
        share = Decimal(100 * sum(1 for case in cases if case.ok)) / Decimal(len(cases))
        figure = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        figure = None
    return Result(figure=figure, cases=cases)


# --- shared reads ----------------------------------------------------------------------


def scoped_offerings(level: ServiceLevel) -> QuerySet[Offering]:
    offerings = Offering.objects.exclude(status=OfferingStatus.DRAFT)
    if level.scope == Scope.CENTER:
        offerings = offerings.filter(center=level.scope_center)
    elif level.scope == Scope.CATEGORY:
        offerings = offerings.filter(
            Q(course__category_id=level.scope_category_id)
            | Q(course__category__parent_id=level.scope_category_id)
        )
    return offerings


def _places(offering_ids: Iterable[int]) -> dict[int, list[Affected]]:
    places: dict[int, list[Affected]] = defaultdict(list)
    rows = Enrollment.objects.filter(
        offering_id__in=set(offering_ids), status__in=PLACE_STATUSES
    ).values_list("offering_id", "family_id", "id", "paid_rials")
    for offering_id, family_id, enrollment_id, paid in rows.order_by("id"):
        places[offering_id].append(Affected(family_id, enrollment_id, int(paid)))
    return places


def _audited(action: str, object_type: str) -> dict[int, dt.datetime]:
    """Object id → the first time `action` was recorded on it."""
    first: dict[int, dt.datetime] = {}
    rows = AuditLogEntry.objects.filter(action=action, object_type=object_type).values_list(
        "object_id", "created_at"
    )
    for object_id, at in rows.order_by("created_at", "id"):
        first.setdefault(int(object_id), at)
    return first


def _quorum_cancelled() -> set[int]:
    return set(_audited("offering.cancelled_quorum", "catalog.offering"))


def _iso(value: dt.datetime | None) -> str | None:
    return to_tehran(value).isoformat() if value is not None else None


def _session_cases(
    sessions: Iterable[Session], check: Callable[[Session], tuple[bool, dict[str, Any]]], label: str
) -> list[Case]:
    sessions = list(sessions)
    places = _places(s.offering_id for s in sessions)
    cases = []
    for session in sessions:
        ok, evidence = check(session)
        evidence = {"starts_at": _iso(session.starts_at), "status": session.status, **evidence}
        cases.append(
            Case(
                key=f"session:{session.pk}",
                ok=ok,
                description=f"{label} — {session.offering.course.title} #{session.number}",
                evidence=evidence,
                offering_id=session.offering_id,
                session_id=session.pk,
                affected=places.get(session.offering_id, []),
            )
        )
    return cases


# --- the metrics -----------------------------------------------------------------------


@metric(Metric.SCHEDULE_PUBLISHED_AHEAD)
def schedule_published_ahead(level: ServiceLevel, window: Window) -> list[Case]:
    """P1: each offering whose registration opened in the period had its whole schedule
    published at least N days before."""
    lead = dt.timedelta(days=level.threshold)
    offerings = list(
        scoped_offerings(level)
        .filter(
            published_at__isnull=False,
            registration_opens_at__gte=window.start,
            registration_opens_at__lt=window.end,
        )
        .select_related("course")
    )
    places = _places(o.pk for o in offerings)
    cases = []
    for offering in offerings:
        assert offering.published_at and offering.registration_opens_at
        ahead = offering.registration_opens_at - offering.published_at
        cases.append(
            Case(
                key=f"offering:{offering.pk}",
                ok=ahead >= lead,
                description=f"{offering.course.title}",
                evidence={
                    "published_at": _iso(offering.published_at),
                    "registration_opens_at": _iso(offering.registration_opens_at),
                    "days_ahead": round(ahead.total_seconds() / 86400, 2),
                },
                offering_id=offering.pk,
                affected=places.get(offering.pk, []),
            )
        )
    return cases


def _class_sessions(level: ServiceLevel, window: Window) -> QuerySet[Session]:
    return (
        Session.objects.filter(
            offering__in=scoped_offerings(level),
            starts_at__gte=window.start,
            starts_at__lt=window.end,
        )
        .exclude(offering_id__in=_quorum_cancelled())
        .select_related("offering__course")
    )


@metric(Metric.SESSIONS_HELD)
def sessions_held(level: ServiceLevel, window: Window) -> list[Case]:
    """Share of the announced sessions (not make-ups) that were held at the announced time:
    a session cancelled, moved after publishing, or never held misses."""
    moved = set(_audited("session.rescheduled", "catalog.session"))
    sessions = [
        s
        for s in _class_sessions(level, window).filter(makeup_for__isnull=True)
        if s.status != SessionStatus.SCHEDULED or s.ends_at <= window.now
    ]

    def check(session: Session) -> tuple[bool, dict[str, Any]]:
        held = session.status == SessionStatus.HELD
        return held and session.pk not in moved, {
            "rescheduled": session.pk in moved,
            "cancel_cause": session.cancel_cause,
        }

    return _session_cases(sessions, check, "session")


@metric(Metric.HOLIDAY_SESSIONS, figure="count")
def holiday_sessions(level: ServiceLevel, window: Window) -> list[Case]:
    """P4: sessions not cancelled that fall on an official holiday or a closure of their
    center (the figure is their number; the target is 0)."""
    sessions = list(
        _class_sessions(level, window)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("offering__center")
    )
    closed: dict[int, dict[dt.date, str]] = {}
    first, last = to_tehran(window.start).date(), to_tehran(window.end).date()
    for session in sessions:
        center = session.offering.center
        if center.pk not in closed:
            closed[center.pk] = {
                h.date: h.name for h in holidays_of_center(center=center, start=first, end=last)
            }

    def check(session: Session) -> tuple[bool, dict[str, Any]]:
        holiday = closed[session.offering.center_id].get(to_tehran(session.starts_at).date())
        return holiday is None, {"holiday": holiday or ""}

    return _session_cases(sessions, check, "session")


@metric(Metric.MAKEUP_TIMELY)
def makeup_timely(level: ServiceLevel, window: Window) -> list[Case]:
    """P3: each session the center cancelled had its make-up scheduled within N days and
    held within M days; counted in the period its M days run out."""
    scheduled_within = dt.timedelta(days=level.threshold)
    held_within = dt.timedelta(days=level.threshold_2)
    cancellations = list(
        ServiceEvent.objects.filter(
            kind=ServiceEventKind.SESSION_CANCELLED,
            offering__in=scoped_offerings(level),
            session__isnull=False,
            at__gte=window.start - held_within,
            at__lt=window.end - held_within,
        ).select_related("offering__course", "session")
    )
    session_ids = [event.session_id for event in cancellations if event.session_id]
    scheduled = {
        e.session_id: e
        for e in ServiceEvent.objects.filter(
            kind=ServiceEventKind.MAKEUP_SCHEDULED, session_id__in=session_ids
        )
    }
    held = {
        e.session.makeup_for_id: e
        for e in ServiceEvent.objects.filter(
            kind=ServiceEventKind.MAKEUP_HELD, session__makeup_for_id__in=session_ids
        ).select_related("session")
        if e.session is not None
    }
    places = _places(event.offering_id for event in cancellations)
    cases = []
    for event in cancellations:
        assert event.session is not None
        plan, done = scheduled.get(event.session_id), held.get(event.session_id)
        ok = (
            plan is not None
            and plan.at <= event.at + scheduled_within
            and done is not None
            and done.at <= event.at + held_within
        )
        cases.append(
            Case(
                key=f"cancelled-session:{event.session_id}",
                ok=ok,
                description=f"{event.offering.course.title} #{event.session.number}",
                evidence={
                    "cancelled_at": _iso(event.at),
                    "cause": event.cause,
                    "makeup_scheduled_at": _iso(plan.at if plan else None),
                    "makeup_held_at": _iso(done.at if done else None),
                },
                offering_id=event.offering_id,
                session_id=event.session_id,
                affected=places.get(event.offering_id, []),
            )
        )
    return cases


@metric(Metric.QUORUM_CREDIT_TIME)
def quorum_credit_time(level: ServiceLevel, window: Window) -> list[Case]:
    """P2: each paid place of a class cancelled below quorum had its fee in the family's
    wallet within N hours of registration closing; counted when the N hours run out."""
    within = dt.timedelta(hours=level.threshold)
    offerings = {
        o.pk: o
        for o in scoped_offerings(level)
        .filter(
            pk__in=_quorum_cancelled(),
            registration_closes_at__gte=window.start - within,
            registration_closes_at__lt=window.end - within,
        )
        .select_related("course")
    }
    places = list(
        Enrollment.objects.filter(offering_id__in=offerings, paid_rials__gt=0).order_by("id")
    )
    credits = {
        txn.reference: txn
        for txn in LedgerTransaction.objects.filter(
            reference__in=[f"enrollment:{p.pk}:quorum" for p in places]
        )
    }
    cases = []
    for place in places:
        offering = offerings[place.offering_id]
        assert offering.registration_closes_at is not None
        credit = credits.get(f"enrollment:{place.pk}:quorum")
        cases.append(
            Case(
                key=f"enrollment:{place.pk}",
                ok=credit is not None
                and credit.created_at <= offering.registration_closes_at + within,
                description=offering.course.title,
                evidence={
                    "registration_closed_at": _iso(offering.registration_closes_at),
                    "credited_at": _iso(credit.created_at if credit else None),
                    "ledger_reference": credit.reference if credit else None,
                },
                offering_id=offering.pk,
                affected=[Affected(place.family_id, place.pk, int(place.paid_rials))],
            )
        )
    return cases


@metric(Metric.REFUND_WORKING_DAYS, scoped=False)
def refund_working_days(level: ServiceLevel, window: Window) -> list[Case]:
    """P2: each approved refund request was paid to the bank within N working days (Friday
    and official holidays off); counted in the period its N working days run out."""
    approvals = _audited("refund.approved", "wallet.refundrequest")
    # N working days never span more than N weeks plus a holiday season.
    earliest = window.start - dt.timedelta(days=7 * level.threshold + 31)
    approvals = {pk: at for pk, at in approvals.items() if earliest <= at < window.end}
    if not approvals:
        return []
    holidays = official_holidays(
        to_tehran(min(approvals.values())).date(), to_tehran(window.now).date()
    )
    first_day, end_day = to_tehran(window.start).date(), to_tehran(window.end).date()
    refunds = RefundRequest.objects.filter(pk__in=approvals).exclude(status=RefundStatus.REJECTED)
    cases = []
    for refund in refunds.order_by("id"):
        approved_at = approvals[refund.pk]
        due = add_working_days(approved_at, level.threshold, holidays=holidays)
        if not first_day <= due < end_day:
            continue
        took = (
            working_days_between(approved_at, refund.paid_at, holidays=holidays)
            if refund.paid_at
            else None
        )
        cases.append(
            Case(
                key=f"refund:{refund.pk}",
                ok=took is not None and took <= level.threshold,
                description=f"refund #{refund.pk}",
                evidence={
                    "approved_at": _iso(approved_at),
                    "paid_at": _iso(refund.paid_at),
                    "working_days": took,
                    "due": due.isoformat(),
                },
                affected=[Affected(refund.family_id, None, int(refund.amount))],
            )
        )
    return cases


@metric(Metric.INSTRUCTOR_ON_TIME)
def instructor_on_time(level: ServiceLevel, window: Window) -> list[Case]:
    """The instructor was in the room within N minutes of each session's start (the first
    moderator the classroom saw); a session cancelled for the instructor's absence misses,
    one cancelled for another reason is not counted."""
    within = dt.timedelta(minutes=level.threshold)
    sessions = [
        s
        for s in _class_sessions(level, window).select_related("room")
        if s.starts_at + within <= window.now
        and (s.status != SessionStatus.CANCELLED or s.cancel_cause == CancelCause.INSTRUCTOR_ABSENT)
    ]

    def check(session: Session) -> tuple[bool, dict[str, Any]]:
        room = getattr(session, "room", None)
        seen = [t for t in (session.taught_at, room and room.teaching_seen_at) if t]
        first = min(seen) if seen else None
        return first is not None and first <= session.starts_at + within, {
            "instructor_seen_at": _iso(first)
        }

    return _session_cases(sessions, check, "session")


@metric(Metric.JOIN_SUCCESS)
def join_success(level: ServiceLevel, window: Window) -> list[Case]:
    """Share of clicks on a join button, in the join window and allowed, that brought the
    person into the room; a click the classroom could not serve misses."""
    joins = list(
        JoinLog.objects.filter(
            session__offering__in=scoped_offerings(level),
            at__gte=window.start,
            at__lt=window.end,
            outcome__in=[JoinOutcome.JOINED, JoinOutcome.UNAVAILABLE],
        )
        .select_related("session__offering__course")
        .order_by("at", "id")
    )
    failed = [j for j in joins if j.outcome != JoinOutcome.JOINED and j.learner_id]
    places: dict[tuple[int, int], Affected] = {}
    for learner_id, offering_id, family_id, pk, paid in Enrollment.objects.filter(
        learner_id__in={j.learner_id for j in failed},
        offering_id__in={j.session.offering_id for j in failed},
        status__in=PLACE_STATUSES,
    ).values_list("learner_id", "offering_id", "family_id", "id", "paid_rials"):
        places[(learner_id, offering_id)] = Affected(family_id, pk, int(paid))
    cases = []
    for join in joins:
        place = places.get((join.learner_id or 0, join.session.offering_id))
        cases.append(
            Case(
                key=f"join:{join.pk}",
                ok=join.outcome == JoinOutcome.JOINED,
                description=f"{join.session.offering.course.title} #{join.session.number}",
                evidence={"at": _iso(join.at), "outcome": join.outcome, "role": join.role},
                offering_id=join.session.offering_id,
                session_id=join.session_id,
                affected=[place] if place else [],
            )
        )
    return cases


@metric(Metric.NOTIFICATION_DELIVERY)
def notification_delivery(level: ServiceLevel, window: Window) -> list[Case]:
    """Share of outbox messages handed to the provider within N minutes of being written
    (created_at → sent_at); withdrawn messages are not counted. A center or field scope
    counts the messages about its classes' sessions."""
    within = dt.timedelta(minutes=level.threshold)
    messages = OutboxMessage.objects.filter(
        created_at__gte=window.start, created_at__lt=window.end
    ).exclude(status=OutboxStatus.CANCELLED)
    if level.scope != Scope.ALL:
        messages = messages.filter(session__offering__in=scoped_offerings(level))
    rows = [
        m
        for m in messages.only("id", "kind", "user_id", "created_at", "sent_at").order_by("id")
        if m.sent_at is not None or m.created_at + within <= window.now
    ]
    families = dict(
        Family.objects.filter(guardian_id__in={m.user_id for m in rows if m.user_id}).values_list(
            "guardian_id", "id"
        )
    )
    cases = []
    for message in rows:
        family_id = families.get(message.user_id or 0)
        cases.append(
            Case(
                key=f"outbox:{message.pk}",
                ok=message.sent_at is not None and message.sent_at <= message.created_at + within,
                description=f"{message.kind} #{message.pk}",
                evidence={"created_at": _iso(message.created_at), "sent_at": _iso(message.sent_at)},
                affected=[Affected(family_id, None, 0)] if family_id else [],
            )
        )
    return cases


@metric(Metric.REGISTRATION_TIME)
def registration_time(level: ServiceLevel, window: Window) -> list[Case]:
    """Each place confirmed in the period was confirmed within N minutes of the family's
    first click: the first opening of the class's registration form (RegistrationStart),
    or, where none was recorded (a registration through the API), the registration itself."""
    within = dt.timedelta(minutes=level.threshold)
    places = list(
        Enrollment.objects.filter(
            offering__in=scoped_offerings(level),
            confirmed_at__gte=window.start,
            confirmed_at__lt=window.end,
        )
        .select_related("offering__course")
        .order_by("id")
    )
    opened = {
        (s.family_id, s.offering_id): s.first_opened_at
        for s in RegistrationStart.objects.filter(
            family_id__in={p.family_id for p in places},
            offering_id__in={p.offering_id for p in places},
        )
    }
    cases = []
    for place in places:
        assert place.confirmed_at is not None
        click = opened.get((place.family_id, place.offering_id))
        first = min(click, place.created_at) if click else place.created_at
        took = place.confirmed_at - first
        cases.append(
            Case(
                key=f"enrollment:{place.pk}",
                ok=took <= within,
                description=place.offering.course.title,
                evidence={
                    "first_click_at": _iso(first),
                    "first_click_recorded": click is not None,
                    "confirmed_at": _iso(place.confirmed_at),
                    "minutes": round(took.total_seconds() / 60, 1),
                },
                offering_id=place.offering_id,
                affected=[Affected(place.family_id, place.pk, int(place.paid_rials))],
            )
        )
    return cases
