"""Writes of a class's life: a session taught, held or cancelled by the center, its make-up
(P3, DOMAIN rule 4), and the offering and its places running and finishing (issue 10)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Role, User
from kargah.catalog import schedule
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import (
    OFFERING_TRANSITIONS,
    CancelCause,
    MakeupProposal,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
)
from kargah.catalog.selectors import closed_days
from kargah.catalog.services import _check_manages, _instructor_clashes, _renumber
from kargah.catalog.signals import offering_finished
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.locks import lock_keys
from kargah.core.persian import (
    format_jalali_date,
    to_tehran,
)
from kargah.core.services import audit_record
from kargah.notifications.catalogue import MAKEUP_ON, MAKEUP_OWED, Fragment, When
from kargah.notifications.reminders import reminders_for_session, reminders_session_cancelled
from kargah.notifications.services import notify
from kargah.sla.models import ServiceEvent, ServiceEventKind

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Offerings whose sessions can still be cancelled and made up.
LIVE_STATUSES = (
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)


# --- settings and seams ----------------------------------------------------------------------


def _no_show_minutes() -> int:
    return int(getattr(settings, "KARGAH_INSTRUCTOR_NO_SHOW_MINUTES", 15))


def _auto_confirm() -> bool:
    return bool(getattr(settings, "KARGAH_MAKEUP_AUTO_CONFIRM", False))


def _search_days() -> int:
    return int(getattr(settings, "KARGAH_MAKEUP_SEARCH_DAYS", 21))


def _locked_session(pk: int) -> Session:
    """The session row, locked to the end of the transaction and read afresh: every change
    of a session's state goes through here (the race test's control run replaces it with a
    plain read to show the double transition the lock prevents)."""
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("offering__course", "offering__center")
        .get(pk=pk)
    )


def _locked_offering(pk: int) -> Offering:
    """The offering row, locked and read afresh (see `_locked_session`)."""
    return (
        Offering.objects.select_for_update(of=("self",))
        .select_related("course", "center")
        .get(pk=pk)
    )


def _confirmed_families(offering: Offering) -> list[User]:
    """The guardians of the families with a confirmed place (the paying family), each once
    however many of its children are in the class."""
    from kargah.enrollment.models import Enrollment, EnrollmentStatus

    paying = Enrollment.objects.filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
    return list(User.objects.filter(pk__in=paying.values("family__guardian_id")).order_by("pk"))


def _tell_families(offering: Offering, kind: str, context: dict[str, Any], event_key: str) -> int:
    guardians = _confirmed_families(offering)
    link = reverse("catalog:detail", args=[offering.pk])
    for guardian in guardians:
        notify(user=guardian, kind=kind, context=context, event_key=event_key, link=link)
    return len(guardians)


# --- the teaching signal ---------------------------------------------------------------------


def session_mark_taught(*, session: Session, at: dt.datetime) -> bool:
    """Records that the session was taught: the classroom saw a moderator in its room at
    `at` (`kargah.classroom.services` calls this when a moderator is first seen inside). The first
    time wins: a later signal, or the same one twice, changes nothing. A session already
    cancelled (the instructor came in after the no-show cancellation) stays cancelled.
    Returns whether this call recorded it."""
    if timezone.is_naive(at):
        raise ValueError("at must be aware")
    with transaction.atomic():
        # One conditional UPDATE: two signals at once record one time, and it cannot
        # cross the no-show cancellation (which re-reads taught_at under the row lock).
        recorded = Session.objects.filter(
            pk=session.pk, taught_at__isnull=True, status=SessionStatus.SCHEDULED
        ).update(taught_at=at)
        if recorded:
            audit_record(
                actor=None, action="session.taught", obj=session,
                after={"taught_at": schedule.to_iso(at)},
            )  # fmt: skip
    return bool(recorded)


# --- cancellation by the center and the make-up (P3, rule 4) ----------------------------------


def _check_may_cancel(actor: User | None, offering: Offering, cause: str) -> None:
    """The center's staff (or an administrator) cancel with any cause; an instructor of the
    offering only by reporting a problem; `None` is the system (the lifecycle job, the
    classroom outage detector)."""
    if actor is None:
        return
    if actor.role == Role.INSTRUCTOR:
        if (
            cause != CancelCause.INSTRUCTOR_REPORT
            or not offering.instructors.filter(pk=actor.pk).exists()
        ):
            raise NotAllowed(_("An instructor can only report a problem with their own class."))
        return
    _check_manages(actor, offering.center)


def session_cancel(
    *,
    actor: User | None,
    session: Session,
    cause: str,
    reason: str,
    now: dt.datetime | None = None,
) -> Session:
    """Cancels a scheduled session by the center (P3): the instructor reported a problem,
    the live classroom was down, the instructor never came in (the lifecycle job), or the
    center decided. Audited and recorded as a service event; a make-up is proposed at once
    (`makeup_propose`) and, with KARGAH_MAKEUP_AUTO_CONFIRM, confirmed at once. Every
    family with a confirmed place is told by one SMS: the make-up's date when it is set,
    else that one is owed and its date will follow."""
    if cause not in CancelCause.values:
        raise DomainError(_("Choose why the session is cancelled."), code="cause")
    _check_may_cancel(actor, session.offering, cause)
    reason = reason.strip()
    if actor is not None and not reason:
        raise DomainError(_("Give the reason for the cancellation."), code="reason")
    now = now or timezone.now()
    with transaction.atomic():
        lock_keys(("offering-schedule", str(session.offering_id)))
        locked = _locked_session(session.pk)
        offering = locked.offering
        if offering.status not in LIVE_STATUSES:
            raise DomainError(
                _("Only a session of a published class can be cancelled."), code="status"
            )
        if locked.status != SessionStatus.SCHEDULED:
            raise DomainError(_("This session is not scheduled any more."), code="status")
        # The system's detections (absence, outage) never cancel a session that was taught;
        # staff may still cancel one the classroom cut short.
        detected = (CancelCause.INSTRUCTOR_ABSENT, CancelCause.CLASSROOM_OUTAGE)
        if actor is None and cause in detected and locked.taught_at is not None:
            raise DomainError(_("The instructor came in to this session."), code="taught")
        locked.status = SessionStatus.CANCELLED
        locked.cancel_cause, locked.cancel_reason, locked.cancelled_at = cause, reason, now
        locked.save(update_fields=["status", "cancel_cause", "cancel_reason", "cancelled_at"])
        reminders_session_cancelled(locked)
        audit_record(
            actor=actor, action="session.cancelled", obj=locked,
            before={"status": SessionStatus.SCHEDULED},
            after={"status": locked.status, "cause": cause}, reason=reason,
        )  # fmt: skip
        ServiceEvent.objects.record(
            kind=ServiceEventKind.SESSION_CANCELLED, offering=offering, session=locked,
            cause=cause, at=now,
            details={"starts_at": schedule.to_iso(locked.starts_at), "reason": reason,
                     "by": actor.pk if actor is not None else None},
        )  # fmt: skip
        catalog_changed()
        proposal = makeup_propose(session=locked, now=now)
        makeup = None
        if proposal is not None and _auto_confirm():
            makeup = _makeup_create(actor=None, cancelled=locked, starts_at=None, now=now)
        if makeup is not None:
            told = Fragment(MAKEUP_ON, makeup=When(makeup.starts_at, weekday=True))
        else:
            told = Fragment(MAKEUP_OWED)
        # Cancelled on the session's own day (Tehran): told even in the quiet hours.
        today = to_tehran(now).date() == to_tehran(locked.starts_at).date()
        _tell_families(
            offering,
            "session_cancelled_today" if today else "session_cancelled",
            {"title": offering.course.title, "when": When(locked.starts_at), "makeup": told},
            f"session-cancelled:{locked.pk}",
        )
    return locked


def _makeup_window(cancelled: Session, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The days a make-up is looked for: from the day after the cancelled session (and
    never before tomorrow, so that families hear of it a day ahead) for
    KARGAH_MAKEUP_SEARCH_DAYS days."""
    first = max(to_tehran(cancelled.starts_at).date(), to_tehran(now).date()) + dt.timedelta(days=1)
    return first, first + dt.timedelta(days=_search_days() - 1)


def _learner_busy(
    offering: Offering, start: dt.datetime, end: dt.datetime
) -> dict[int, list[schedule.Interval]]:
    """Each confirmed learner's sessions of their other confirmed classes in [start, end)."""
    from kargah.enrollment.models import Enrollment, EnrollmentStatus

    learners = list(
        Enrollment.objects.filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
        .values_list("learner_id", flat=True)
        .distinct()
    )
    busy: dict[int, list[schedule.Interval]] = defaultdict(list)
    if not learners:
        return busy
    rows = (
        Session.objects.filter(
            # One filter() call: the learner and the status are of the same enrollment row.
            offering__enrollments__learner_id__in=learners,
            offering__enrollments__status=EnrollmentStatus.CONFIRMED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(offering=offering)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(offering__status=OfferingStatus.CANCELLED)
        .values_list("offering__enrollments__learner_id", "starts_at", "ends_at")
    )
    for learner_id, starts_at, ends_at in rows:
        busy[learner_id].append((starts_at, ends_at))
    return busy


def _instructor_busy(
    offering: Offering, start: dt.datetime, end: dt.datetime
) -> list[schedule.Interval]:
    """Sessions of other classes of any of the offering's instructors in [start, end)."""
    return list(
        Session.objects.filter(
            offering__instructors__in=offering.instructors.all(),
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(offering=offering)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(offering__status=OfferingStatus.CANCELLED)
        .values_list("starts_at", "ends_at")
        .distinct()
    )


def _choose_makeup(cancelled: Session, now: dt.datetime) -> schedule.MakeupChoice | None:
    offering = cancelled.offering
    try:
        slots = schedule.parse_pattern(offering.weekly_pattern)
    except DomainError:
        slots = []
    start_day, last_day = _makeup_window(cancelled, now)
    window_start = schedule.tehran_datetime(start_day, dt.time.min)
    window_end = schedule.tehran_datetime(last_day + dt.timedelta(days=1), dt.time.min)
    # The class's own times of day (where families expect it), on any working day
    # (Saturday to Thursday, and the pattern's own days should it meet on a Friday).
    times = {slot.start for slot in slots} | {to_tehran(cancelled.starts_at).time()}
    weekdays = set(range(schedule.FRIDAY)) | {slot.weekday for slot in slots}
    own = list(
        offering.sessions.exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__lt=window_end, ends_at__gt=window_start)
        .values_list("starts_at", "ends_at")
    )
    return schedule.choose_makeup_slot(
        first_day=start_day,
        days=(last_day - start_day).days + 1,
        times=sorted(times),
        weekdays=weekdays,
        minutes=int((cancelled.ends_at - cancelled.starts_at).total_seconds() // 60),
        closed=closed_days(center=offering.center, start=start_day, end=last_day),
        offering_busy=own,
        instructor_busy=_instructor_busy(offering, window_start, window_end),
        learner_busy=_learner_busy(offering, window_start, window_end),
    )


def _check_owes_makeup(cancelled: Session) -> None:
    if cancelled.status != SessionStatus.CANCELLED:
        raise DomainError(_("Only a cancelled session gets a make-up."), code="status")
    if Session.objects.filter(makeup_for=cancelled).exists():
        raise Conflict(_("This session already has its make-up."), code="makeup_exists")
    if cancelled.offering.status not in LIVE_STATUSES:
        raise DomainError(_("This class does not run any more."), code="status")


def makeup_propose(*, session: Session, now: dt.datetime | None = None) -> MakeupProposal | None:
    """Proposes the make-up slot of a cancelled session (rule 4, `_choose_makeup`): the
    offering's times of day on the working days of the next KARGAH_MAKEUP_SEARCH_DAYS days,
    no holiday or closure, no clash with the class itself or its instructors' other
    classes, the fewest learners with another class then, the earliest on a tie. Replaces
    an earlier proposal; None (and no proposal) when the window holds no such slot, and
    staff choose one."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_keys(("offering-schedule", str(session.offering_id)))
        cancelled = Session.objects.select_related("offering__course", "offering__center").get(
            pk=session.pk
        )
        _check_owes_makeup(cancelled)
        choice = _choose_makeup(cancelled, now)
        if choice is None:
            MakeupProposal.objects.filter(session=cancelled).delete()
            audit_record(
                actor=None, action="session.makeup_not_found", obj=cancelled,
                after={"search_days": _search_days()},
            )  # fmt: skip
            return None
        proposal, _created = MakeupProposal.objects.update_or_create(
            session=cancelled,
            defaults={
                "starts_at": choice.starts_at,
                "ends_at": choice.ends_at,
                "learner_clashes": choice.learner_clashes,
                "why": choice.why(),
                "proposed_at": now,
            },
        )
        audit_record(
            actor=None, action="session.makeup_proposed", obj=cancelled,
            after={"starts_at": schedule.to_iso(choice.starts_at),
                   "learner_clashes": choice.learner_clashes, **choice.why()},
        )  # fmt: skip
    return proposal


def learner_clashes_at(*, offering: Offering, starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    """How many of the offering's confirmed learners have another class in that time."""
    return len(_learner_busy(offering, starts_at, ends_at))


def _makeup_problem(
    offering: Offering, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> str:
    """Why a make-up cannot be at that time, or "" (rules 2 and 4)."""
    if starts_at <= now:
        return _("Choose a time in the future.")
    day = to_tehran(starts_at).date()
    closed = closed_days(center=offering.center, start=day, end=day)
    if day in closed:
        return _("%(date)s is a holiday (%(name)s); choose another day.") % {
            "date": format_jalali_date(day),
            "name": closed[day],
        }
    if (
        offering.sessions.exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exists()
    ):
        return _("Another session of this offering is at that time.")
    clashes = _instructor_clashes(offering, [(starts_at, ends_at)])
    return clashes[0] if clashes else ""


def _makeup_create(
    *,
    actor: User | None,
    cancelled: Session,
    starts_at: dt.datetime | None,
    now: dt.datetime,
) -> Session:
    """The make-up session itself, in the caller's transaction under the offering's
    schedule lock: at `starts_at`, or at the proposal's time when None."""
    _check_owes_makeup(cancelled)
    offering = cancelled.offering
    proposal = MakeupProposal.objects.filter(session=cancelled).first()
    chosen_by_staff = starts_at is not None
    if starts_at is None:
        if proposal is None:
            raise DomainError(
                _("No make-up slot was found; choose a date and time."), code="no_slot"
            )
        starts_at = proposal.starts_at
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    ends_at = starts_at + (cancelled.ends_at - cancelled.starts_at)
    problem = _makeup_problem(offering, starts_at, ends_at, now)
    if problem:
        raise DomainError(problem, code="makeup_slot")
    number = (offering.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    makeup = Session.objects.create(
        offering=offering, number=number, starts_at=starts_at, ends_at=ends_at,
        makeup_for=cancelled,
    )  # fmt: skip
    reminders_for_session(makeup, now=now)
    _renumber(offering)
    makeup.refresh_from_db(fields=["number"])
    clashes = learner_clashes_at(offering=offering, starts_at=starts_at, ends_at=ends_at)
    audit_record(
        actor=actor, action="session.makeup_scheduled", obj=makeup,
        after={"makeup_for": cancelled.pk, "starts_at": schedule.to_iso(starts_at),
               "ends_at": schedule.to_iso(ends_at), "learner_clashes": clashes,
               "chosen_by_staff": chosen_by_staff},
    )  # fmt: skip
    ServiceEvent.objects.record(
        kind=ServiceEventKind.MAKEUP_SCHEDULED, offering=offering, session=cancelled,
        cause=cancelled.cancel_cause, at=now,
        details={"makeup": makeup.pk, "starts_at": schedule.to_iso(starts_at),
                 "learner_clashes": clashes, "chosen_by_staff": chosen_by_staff,
                 "proposed": schedule.to_iso(proposal.starts_at) if proposal else None,
                 "auto_confirmed": actor is None},
    )  # fmt: skip
    catalog_changed()
    return makeup


def makeup_confirm(
    *,
    actor: User | None,
    session: Session,
    starts_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Session:
    """Confirms the make-up of a cancelled session: the proposed slot, or the one staff
    chose instead (no holiday or closure, no clash with the class or its instructors). The
    make-up session points to the cancelled one; every family with a confirmed place is
    told its date by SMS. Returns the make-up session."""
    if actor is not None:
        _check_manages(actor, session.offering.center)
    now = now or timezone.now()
    with transaction.atomic():
        lock_keys(("offering-schedule", str(session.offering_id)))
        cancelled = _locked_session(session.pk)
        makeup = _makeup_create(actor=actor, cancelled=cancelled, starts_at=starts_at, now=now)
        _tell_families(
            cancelled.offering,
            "makeup_scheduled",
            {
                "title": cancelled.offering.course.title,
                "when": When(cancelled.starts_at),
                "makeup": When(makeup.starts_at, weekday=True),
            },
            f"makeup:{makeup.pk}",
        )
    return makeup


# --- the lifecycle job (issue 10, item 3) ---------------------------------------------------


@dataclass
class LifecycleReport:
    outage_cancelled: list[int] = field(default_factory=list)  # sessions
    absent_cancelled: list[int] = field(default_factory=list)  # sessions
    held: list[int] = field(default_factory=list)  # sessions
    running: list[int] = field(default_factory=list)  # offerings
    finished: list[int] = field(default_factory=list)  # offerings
    completed_enrollments: int = 0
    failed: list[str] = field(default_factory=list)


def _cancel_detected(session_id: int, now: dt.datetime, cause: str) -> bool:
    """The job's own cancellation (the instructor's absence, a classroom outage)."""
    session = Session.objects.select_related("offering").get(pk=session_id)
    try:
        session_cancel(actor=None, session=session, cause=cause, reason="", now=now)
    except DomainError:
        return False  # taught meanwhile, or another run cancelled it first
    return True


def _hold(session_id: int, now: dt.datetime) -> bool:
    """scheduled → held: taught, and over."""
    with transaction.atomic():
        session = _locked_session(session_id)
        if (
            session.status != SessionStatus.SCHEDULED
            or session.taught_at is None
            or session.ends_at > now
        ):
            return False
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])
        audit_record(
            actor=None, action="session.held", obj=session,
            before={"status": SessionStatus.SCHEDULED},
            after={"status": session.status, "taught_at": schedule.to_iso(session.taught_at)},
        )  # fmt: skip
        if session.makeup_for_id:
            ServiceEvent.objects.record(
                kind=ServiceEventKind.MAKEUP_HELD, offering=session.offering, session=session,
                at=now, details={"makeup_for": session.makeup_for_id},
            )  # fmt: skip
        catalog_changed()
    return True


def _offering_move(offering: Offering, new_status: str, *, action: str) -> None:
    if new_status not in OFFERING_TRANSITIONS[offering.status]:
        raise DomainError(_("This class cannot change to that state."), code="status")
    before = {"status": offering.status}
    offering.status = new_status
    offering.save(update_fields=["status"])
    audit_record(
        actor=None, action=action, obj=offering, before=before, after={"status": new_status}
    )
    catalog_changed()


def _start(offering_id: int) -> bool:
    """registration closed → running: a session of it was held."""
    with transaction.atomic():
        offering = _locked_offering(offering_id)
        if offering.status != OfferingStatus.REGISTRATION_CLOSED:
            return False
        if not offering.sessions.filter(status=SessionStatus.HELD).exists():
            return False
        _offering_move(offering, OfferingStatus.RUNNING, action="offering.running")
    return True


def _is_over(offering: Offering) -> bool:
    """Every session held or cancelled, and every cancelled one made up (P3): an offering
    with a make-up still to propose, confirm or hold is not over."""
    sessions = offering.sessions
    if sessions.filter(status=SessionStatus.SCHEDULED).exists():
        return False
    if sessions.filter(status=SessionStatus.CANCELLED, makeup__isnull=True).exists():
        return False
    return sessions.filter(status=SessionStatus.HELD).exists()


def _finish(offering_id: int, now: dt.datetime) -> int | None:
    """running → finished when over; its confirmed places → completed. Returns how many
    places completed, or None when it was not (or no longer) due."""
    from kargah.enrollment.services_quorum import enrollments_complete

    with transaction.atomic():
        offering = _locked_offering(offering_id)
        if offering.status != OfferingStatus.RUNNING or not _is_over(offering):
            return None
        _offering_move(offering, OfferingStatus.FINISHED, action="offering.finished")
        completed = enrollments_complete(offering=offering, now=now)
        # The certificates of completion (issue 13) after the commit, so that a failure
        # there never undoes the class's end; the certificates job looks again later, when
        # the attendance of the last session is in.
        transaction.on_commit(partial(_tell_offering_finished, offering.pk, now))
        return completed


def _tell_offering_finished(offering_id: int, now: dt.datetime) -> None:
    for receiver, result in offering_finished.send_robust(
        sender=Offering, offering_id=offering_id, now=now
    ):
        if isinstance(result, Exception):
            logger.error(
                "lifecycle: %s failed after offering %s finished",
                getattr(receiver, "__qualname__", receiver),
                offering_id,
                exc_info=result,
            )


def _run(report: LifecycleReport, what: str, pk: int, step: Callable[[], T]) -> T | None:
    """One step in its own transaction; a failure is logged and retried by the next run."""
    try:
        return step()
    except Exception:
        logger.exception("lifecycle %s of %s failed", what, pk)
        report.failed.append(f"{what}:{pk}")
        return None


def lifecycle_advance(*, now: dt.datetime | None = None) -> LifecycleReport:
    """The minute job of a class's life (issue 10, item 3): a session whose start passed
    KARGAH_INSTRUCTOR_NO_SHOW_MINUTES ago with nobody teaching is cancelled as the
    instructor's absence (with its make-up proposed); a session taught and over is held; an
    offering whose registration closed runs once a session of it is held, and finishes
    when every session is held or cancelled with its make-up held; its confirmed places
    complete with it. Each change is audited, in its own transaction under the row's lock,
    re-read there: a run repeated, or two at once, changes nothing more."""
    # Imported here: the classroom is built on the catalog, not the other way round.
    from kargah.classroom.selectors import sessions_failing_after, sessions_in_outage

    now = now or timezone.now()
    report = LifecycleReport()
    live = (OfferingStatus.REGISTRATION_CLOSED, OfferingStatus.RUNNING)
    cutoff = now - dt.timedelta(minutes=_no_show_minutes())
    scheduled = Session.objects.filter(
        status=SessionStatus.SCHEDULED, offering__status__in=live
    ).order_by("starts_at", "id")
    # An outage first: when the classroom was down the instructor could not come in, so the
    # cause is the outage, not their absence (docs/makeups.md).
    for pk in sessions_in_outage(now=now):
        outage = partial(_cancel_detected, pk, now, CancelCause.CLASSROOM_OUTAGE)
        if _run(report, "outage", pk, outage):
            report.outage_cancelled.append(pk)
    # Absence needs KARGAH_INSTRUCTOR_NO_SHOW_MINUTES of a working classroom after the start:
    # a session whose classroom failed within them waits (for the outage, or for the time).
    absent = scheduled.filter(taught_at__isnull=True, starts_at__lt=cutoff).exclude(
        pk__in=sessions_failing_after(since=cutoff)
    )
    for pk in absent.values_list("pk", flat=True):
        if _run(
            report, "absent", pk, partial(_cancel_detected, pk, now, CancelCause.INSTRUCTOR_ABSENT)
        ):
            report.absent_cancelled.append(pk)
    over = scheduled.filter(taught_at__isnull=False, ends_at__lte=now)
    for pk in over.values_list("pk", flat=True):
        if _run(report, "held", pk, partial(_hold, pk, now)):
            report.held.append(pk)
    held = Session.objects.filter(offering=OuterRef("pk"), status=SessionStatus.HELD)
    starting = Offering.objects.filter(status=OfferingStatus.REGISTRATION_CLOSED).filter(
        Exists(held)
    )
    for pk in starting.order_by("id").values_list("pk", flat=True):
        if _run(report, "running", pk, partial(_start, pk)):
            report.running.append(pk)
    pending = Session.objects.filter(offering=OuterRef("pk"), status=SessionStatus.SCHEDULED)
    owed = Session.objects.filter(
        offering=OuterRef("pk"), status=SessionStatus.CANCELLED, makeup__isnull=True
    )
    ending = Offering.objects.filter(status=OfferingStatus.RUNNING).exclude(
        Exists(pending) | Exists(owed)
    )
    for pk in ending.order_by("id").values_list("pk", flat=True):
        completed = _run(report, "finished", pk, partial(_finish, pk, now))
        if isinstance(completed, int):
            report.finished.append(pk)
            report.completed_enrollments += completed
    return report
