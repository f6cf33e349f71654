"""Writes of teaching: attendance proposed from the classroom and confirmed or corrected by
the instructor (R7: an absence is recorded and owes no make-up), conduct notes (R6), and an
instructor's report of a problem with a session (P3), and the center's audited looks at
family contacts: a guardian's number revealed, the roster exported."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner, User
from kargah.catalog.models import Offering, Session, SessionStatus
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.locks import lock_keys
from kargah.core.persian import mobile_for_display
from kargah.core.services import audit_record, snapshot
from kargah.enrollment.models import Enrollment
from kargah.notifications.catalogue import When
from kargah.notifications.services import notify
from kargah.teaching import integration, selectors
from kargah.teaching.exports import roster_workbook
from kargah.teaching.integration import SeenInRoom
from kargah.teaching.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    ConductNote,
)

ATTENDANCE_AUDIT_FIELDS = ["status", "minutes_attended", "source", "confirmed_by", "confirmed_at"]
# Sessions whose rows the job still refreshes after their end: late callbacks and polls.
FILL_LOOKBACK = dt.timedelta(days=1)


# --- the proposal from the classroom -------------------------------------------------------


def attendance_propose(*, session: Session, seen: SeenInRoom | None) -> str:
    """The status the classroom's minutes suggest (settings KARGAH_ATTENDANCE_*): never seen
    (or no minute inside the session's time) → absent; first in more than LATE_MINUTES after
    the start, or inside less than PRESENT_PERCENT of the session's length → late; else
    present. The boundaries count in the learner's favour."""
    if seen is None or seen.minutes <= 0:
        return AttendanceStatus.ABSENT
    late_after = session.starts_at + dt.timedelta(minutes=settings.KARGAH_ATTENDANCE_LATE_MINUTES)
    length_minutes = (session.ends_at - session.starts_at).total_seconds() / 60
    enough = seen.minutes * 100 >= settings.KARGAH_ATTENDANCE_PRESENT_PERCENT * length_minutes
    if seen.first_joined_at > late_after or not enough:
        return AttendanceStatus.LATE
    return AttendanceStatus.PRESENT


def attendance_fill_from_classroom(
    *, session: Session, seen: list[SeenInRoom] | None = None
) -> int:
    """Proposes each learner's attendance of an ended session from the classroom's presence
    (`seen`, read from the classroom when not given). Idempotent: a rerun writes the same
    rows, refreshes the unconfirmed ones as late data arrive, and never touches a row a
    person confirmed or corrected. Returns the number of rows written."""
    if session.status == SessionStatus.CANCELLED:
        return 0
    if seen is None:
        seen = integration.presence_in_room(session=session)
    by_learner = {s.learner_id: s for s in seen}
    written = 0
    with transaction.atomic():
        # One writer of a session's sheet at a time: the job and the instructor (or two
        # instructors of the class) would otherwise both insert a learner's first row.
        lock_keys(("attendance", str(session.pk)))
        learner_ids = list(
            selectors.roster_learners(offering=session.offering)
            .values_list("pk", flat=True)
            .distinct()
        )
        existing = {
            a.learner_id: a
            for a in Attendance.objects.select_for_update().filter(
                session=session, learner_id__in=learner_ids
            )
        }
        now = timezone.now()
        new_rows = []
        for learner_id in learner_ids:
            found = by_learner.get(learner_id)
            status = attendance_propose(session=session, seen=found)
            minutes = found.minutes if found else 0
            row = existing.get(learner_id)
            if row is None:
                new_rows.append(
                    Attendance(
                        session=session, learner_id=learner_id, status=status,
                        minutes_attended=minutes, source=AttendanceSource.CLASSROOM,
                        updated_at=now,
                    )
                )  # fmt: skip
            elif not row.is_confirmed and (row.status, row.minutes_attended) != (status, minutes):
                row.status, row.minutes_attended, row.updated_at = status, minutes, now
                row.save(update_fields=["status", "minutes_attended", "updated_at"])
                written += 1
        # ON CONFLICT DO NOTHING: a concurrent run that inserted first wins, with the same data.
        Attendance.objects.bulk_create(new_rows, ignore_conflicts=True)
        written += len(new_rows)
        if written:
            audit_record(
                actor=None, action="attendance.proposed", obj=session,
                after={"rows": written, "seen": len(by_learner)},
            )  # fmt: skip
    return written


def attendance_fill_due(*, now: dt.datetime | None = None) -> int:
    """The periodic job: proposes attendance for every session held (taught, and over: the
    lifecycle job's word) that ended in the last day; a session nobody taught is cancelled
    and owed a make-up, not filled with absences. Run every few minutes by beat; reruns
    change nothing."""
    now = now or timezone.now()
    sessions = Session.objects.filter(
        status=SessionStatus.HELD, ends_at__lte=now, ends_at__gt=now - FILL_LOOKBACK
    )
    return sum(
        attendance_fill_from_classroom(session=s) for s in sessions.select_related("offering")
    )


# --- the instructor's confirmation ---------------------------------------------------------


def attendance_mark(
    *,
    actor: User,
    session: Session,
    learner: Learner,
    status: str,
    now: dt.datetime | None = None,
) -> Attendance:
    """The instructor confirms or corrects one learner's attendance (present, late, absent,
    excused) from the session's start until KARGAH_ATTENDANCE_CONFIRM_DAYS days after its
    end; center staff may correct it later too. Each change is audited."""
    now = now or timezone.now()
    if status not in AttendanceStatus.values:
        raise DomainError(_("Choose present, late, absent or excused."), code="status")
    offering = session.offering
    oversees = selectors.may_oversee(user=actor, offering=offering)
    if not (oversees or selectors.teaches(user=actor, offering=offering)):
        raise NotAllowed(_("Only the class's instructor records its attendance."))
    if session.status == SessionStatus.CANCELLED:
        raise DomainError(_("This session was cancelled; it has no attendance."), code="cancelled")
    if now < session.starts_at:
        raise DomainError(_("Attendance is recorded once the session starts."), code="too_early")
    if not oversees and now > selectors.confirm_deadline(session):
        raise DomainError(
            _("The time to confirm this session's attendance has passed; ask the center."),
            code="window_closed",
        )
    if not selectors.roster_learners(offering=offering).filter(pk=learner.pk).exists():
        raise DomainError(_("This learner has no place in the class."), code="not_enrolled")
    with transaction.atomic():
        lock_keys(("attendance", str(session.pk)))
        row = _row_of(session, learner)
        if row is None:
            row = Attendance(session=session, learner=learner, status=status)
            before = None
        else:
            before = snapshot(row, ATTENDANCE_AUDIT_FIELDS)
        changed = row.pk is None or row.status != status
        row.status = status
        if changed:
            row.source = AttendanceSource.INSTRUCTOR
        row.confirmed_by, row.confirmed_at, row.updated_at = actor, now, now
        row.save()
        audit_record(
            actor=actor,
            action="attendance.corrected" if changed else "attendance.confirmed",
            obj=row,
            before=before,
            after=snapshot(row, ATTENDANCE_AUDIT_FIELDS),
        )
        if status == AttendanceStatus.ABSENT:
            # Told when a person records the absence (the classroom's proposal may still
            # change), once per learner and session however often it is confirmed.
            notify(
                user=learner.family.guardian,
                kind="attendance_absent",
                context={
                    "name": learner.first_name,
                    "title": offering.course.title,
                    "when": When(session.starts_at),
                },
                event_key=f"attendance-absent:{session.pk}:{learner.pk}",
            )
    return row


def _row_of(session: Session, learner: Learner) -> Attendance | None:
    """The learner's row of the session, locked, re-read under the sheet's lock."""
    return Attendance.objects.select_for_update().filter(session=session, learner=learner).first()


# --- conduct notes (R6) --------------------------------------------------------------------


def conduct_note_add(
    *,
    actor: User,
    offering: Offering,
    learner: Learner,
    text: str,
    session: Session | None = None,
) -> ConductNote:
    """An instructor's note on a learner of their own class, seen by the center's staff and
    the learner's family (R6); audited."""
    if not selectors.teaches(user=actor, offering=offering):
        raise NotAllowed(_("An instructor writes notes only on the learners of their classes."))
    if not selectors.roster_learners(offering=offering).filter(pk=learner.pk).exists():
        raise DomainError(_("This learner has no place in the class."), code="not_enrolled")
    if session is not None and session.offering_id != offering.pk:
        raise DomainError(_("This session is not of the class."), code="session")
    text = text.strip()
    if not text:
        raise DomainError(_("Write the note."), code="text")
    with transaction.atomic():
        note = ConductNote.objects.create(
            learner=learner, offering=offering, session=session, author=actor, text=text
        )
        audit_record(
            actor=actor, action="conduct_note.added", obj=note,
            after={"learner": learner.pk, "offering": offering.pk, "text": text},
        )  # fmt: skip
    return note


# --- a problem with a session (P3) ---------------------------------------------------------


def session_report_problem(*, actor: User, session: Session, reason: str) -> Session:
    """The instructor cannot hold the session: the center cancels it with the cause
    "instructor_report", and the make-up flow starts (P3; the cancellation audits and tells
    the families)."""
    if not selectors.teaches(user=actor, offering=session.offering):
        raise NotAllowed(_("An instructor can only report a problem with their own class."))
    if not reason.strip():
        raise DomainError(_("Write what the problem is."), code="reason")
    return integration.session_cancel_reported(actor=actor, session=session, reason=reason.strip())


# --- the center's roster: a guardian's number and the export (issue 11, item 5) -----------


def guardian_mobile_reveal(*, actor: User, offering: Offering, learner: Learner) -> str:
    """The full number of the guardian of a learner on the roster, for the center's staff
    (to call about the child); every reveal is an audit row, so that who looked is known."""
    if not selectors.may_see_family_contacts(user=actor, offering=offering):
        raise NotAllowed(_("Only the center's staff see a guardian's number."))
    place = (
        Enrollment.objects.filter(
            offering=offering, learner=learner, status__in=selectors.ROSTER_STATUSES
        )
        .select_related("family__guardian")
        .first()
    )
    if place is None:
        raise DomainError(_("This learner has no place in the class."), code="not_enrolled")
    guardian = place.family.guardian
    with transaction.atomic():
        audit_record(
            actor=actor, action="roster.mobile_revealed", obj=guardian,
            after={"offering": offering.pk, "learner": learner.pk},
        )  # fmt: skip
    return mobile_for_display(guardian.mobile or "")


def roster_export(*, actor: User, offering: Offering) -> bytes:
    """The roster as XLSX with national codes and the guardians' numbers, for the center's
    staff; audited like a reveal, with how many learners it held."""
    if not selectors.may_see_family_contacts(user=actor, offering=offering):
        raise NotAllowed(_("Only the center's staff export the roster."))
    rows = selectors.staff_roster(offering=offering)
    with transaction.atomic():
        audit_record(
            actor=actor, action="roster.exported", obj=offering, after={"learners": len(rows)}
        )
    return roster_workbook(offering=offering, rows=rows)
