"""Reads of teaching: the instructor's sessions and offerings, the roster, the attendance
sheet, and what a family sees of its children's attendance and conduct notes. An
instructor sees only the offerings they teach; any other row is a 404."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kargah.accounts.models import Learner, Role, User
from kargah.accounts.selectors import center_list_for_staff, visible_to_family
from kargah.catalog.models import Offering, Session, SessionStatus
from kargah.core.persian import mask_mobile, to_tehran
from kargah.devicecheck.models import DeviceCheck
from kargah.documents.models import Document
from kargah.documents.selectors import DocumentNeed, document_needs
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.teaching import integration
from kargah.teaching.models import Attendance, AttendanceStatus, ConductNote

# The places whose learners are on a roster and an attendance sheet.
ROSTER_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.COMPLETED)
# Saturday starts the Iranian week (Python's weekday(): Monday 0 … Saturday 5).
SATURDAY = 5


def is_instructor(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.role == Role.INSTRUCTOR


def may_oversee(*, user: User | AnonymousUser, offering: Offering) -> bool:
    """Center staff of the offering's center (or an administrator): they see every sheet and
    may still correct attendance after the instructor's window."""
    if not user.is_authenticated:
        return False
    if not (user.is_administrator or user.role == Role.CENTER_STAFF):
        return False
    return center_list_for_staff(user=user).filter(pk=offering.center_id).exists()


def teaches(*, user: User | AnonymousUser, offering: Offering) -> bool:
    return is_instructor(user) and offering.instructors.filter(pk=user.pk).exists()


def offerings_taught(*, user: User) -> QuerySet[Offering]:
    return (
        Offering.objects.filter(instructors=user)
        .select_related("course", "center")
        .order_by("-status", "first_date", "id")
    )


def offering_for_desk(*, user: User | AnonymousUser, offering_id: int) -> Offering:
    """An offering the instructor teaches (or staff of its center oversee), else 404."""
    offering = Offering.objects.select_related("course", "center").filter(pk=offering_id).first()
    if offering is None or not (
        teaches(user=user, offering=offering) or may_oversee(user=user, offering=offering)
    ):
        raise Http404
    return offering


def session_for_desk(*, user: User | AnonymousUser, session_id: int) -> Session:
    """A session of an offering the instructor teaches (or staff of its center oversee)."""
    session = (
        Session.objects.select_related("offering__course", "offering__center")
        .filter(pk=session_id)
        .first()
    )
    if session is None or not (
        teaches(user=user, offering=session.offering)
        or may_oversee(user=user, offering=session.offering)
    ):
        raise Http404
    return session


# --- the desk's sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class DeskSession:
    session: Session
    join_open: bool

    @property
    def is_cancelled(self) -> bool:
        return self.session.status == SessionStatus.CANCELLED

    @property
    def join_url(self) -> str:
        return integration.join_url(session=self.session)


@dataclass
class DeskDay:
    today: list[DeskSession] = field(default_factory=list)
    week: list[DeskSession] = field(default_factory=list)
    week_start: dt.date | None = None
    week_end: dt.date | None = None


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Iranian week (Saturday to Friday) that holds the day."""
    start = day - dt.timedelta(days=(day.weekday() - SATURDAY) % 7)
    return start, start + dt.timedelta(days=6)


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def desk_sessions(*, user: User, now: dt.datetime | None = None) -> DeskDay:
    """The instructor's sessions of today and of the rest of this week (Saturday to Friday),
    by Tehran's calendar, in time order; cancelled ones are shown as such."""
    now = now or timezone.now()
    today = to_tehran(now).date()
    week_start, week_end = week_bounds(today)
    rows = (
        Session.objects.filter(
            offering__instructors=user,
            starts_at__gte=_tehran_midnight(today),
            starts_at__lt=_tehran_midnight(week_end + dt.timedelta(days=1)),
        )
        .select_related("offering__course", "offering__center")
        .order_by("starts_at", "id")
    )
    desk = DeskDay(week_start=week_start, week_end=week_end)
    for session in rows:
        item = DeskSession(
            session=session, join_open=integration.join_is_open(session=session, now=now)
        )
        if to_tehran(session.starts_at).date() == today:
            desk.today.append(item)
        else:
            desk.week.append(item)
    return desk


# --- the roster ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One learner of an offering as the instructor sees it: no national code, no phone."""

    learner: Learner
    age: int
    device_check: DeviceCheck | None  # the latest, passed or not
    device_check_counts: bool
    documents: list[DocumentNeed]
    attendance: dict[str, int]
    notes: list[ConductNote]

    @property
    def documents_missing(self) -> int:
        return sum(1 for need in self.documents if need.missing)


def roster_learners(*, offering: Offering) -> QuerySet[Learner]:
    return Learner.objects.filter(
        enrollments__offering=offering, enrollments__status__in=ROSTER_STATUSES
    ).order_by("first_name", "last_name", "id")


def roster(*, offering: Offering, now: dt.datetime | None = None) -> list[RosterRow]:
    """The offering's learners with age, device check, documents, attendance so far and
    conduct notes, in a fixed number of queries."""
    now = now or timezone.now()
    today = to_tehran(now).date()
    learners = list(roster_learners(offering=offering).distinct())
    ids = [learner.pk for learner in learners]
    checks = integration.device_checks(ids)
    handed_in: dict[int, list[Document]] = {}
    for document in Document.objects.filter(learner_id__in=ids, course=offering.course).order_by(
        "uploaded_at"
    ):
        handed_in.setdefault(document.learner_id, []).append(document)
    counts: dict[int, Counter[str]] = {i: Counter() for i in ids}
    # A session cancelled after its rows were proposed (the instructor never came) counts
    # for nobody: it is owed a make-up (P3), not an absence.
    for learner_id, status in (
        Attendance.objects.filter(session__offering=offering, learner_id__in=ids)
        .exclude(session__status=SessionStatus.CANCELLED)
        .values_list("learner_id", "status")
    ):
        counts[learner_id][status] += 1
    notes: dict[int, list[ConductNote]] = {}
    for note in ConductNote.objects.filter(offering=offering, learner_id__in=ids).select_related(
        "author"
    ):
        notes.setdefault(note.learner_id, []).append(note)
    return [
        RosterRow(
            learner=learner,
            age=learner.age_on(today),
            device_check=checks.get(learner.pk),
            device_check_counts=integration.device_check_counts(checks.get(learner.pk)),
            documents=document_needs(
                learner=learner, course=offering.course, handed_in=handed_in.get(learner.pk, [])
            ),
            attendance={s: counts[learner.pk][s] for s in AttendanceStatus.values},
            notes=notes.get(learner.pk, []),
        )
        for learner in learners
    ]


# --- the center's roster (issue 11, item 5) -----------------------------------------------


def may_see_family_contacts(*, user: User | AnonymousUser, offering: Offering) -> bool:
    """Who may reveal a guardian's number and export the roster with national codes: the
    staff of the offering's center and administrators. Never an instructor (the desk's roster
    shows neither), nor finance or quality, who work with money and service levels, not
    with children's contacts."""
    return may_oversee(user=user, offering=offering)


@dataclass(frozen=True)
class StaffRosterRow:
    """A learner of the roster as the center's staff see it: the instructor's row, the
    place, the guardian (their number masked until revealed) and what the place paid."""

    row: RosterRow
    enrollment: Enrollment
    guardian: User
    paid_rials: int

    @property
    def learner(self) -> Learner:
        return self.row.learner

    @property
    def guardian_mobile_masked(self) -> str:
        return mask_mobile(self.guardian.mobile or "")


def _predecessors(place_ids: list[int]) -> dict[int, list[int]]:
    """Each place with the places it was switched from, back to the first: a switched place
    carries the money of the one it came from (kargah.enrollment's switch)."""
    chains = {pk: [pk] for pk in place_ids}
    owner = {pk: pk for pk in place_ids}
    frontier = place_ids
    while frontier:
        found = list(
            Enrollment.objects.filter(switched_to_id__in=frontier).values_list(
                "pk", "switched_to_id"
            )
        )
        for pk, successor in found:
            owner[pk] = owner[successor]
            chains[owner[pk]].append(pk)
        frontier = [pk for pk, _successor in found]
    return chains


def staff_roster(*, offering: Offering, now: dt.datetime | None = None) -> list[StaffRosterRow]:
    """The instructor's roster with each place, its guardian and the money it paid (net
    course revenue of the place and the places it was switched from, from the ledger)."""
    rows = roster(offering=offering, now=now)
    places = {
        place.learner_id: place
        for place in Enrollment.objects.filter(
            offering=offering, status__in=ROSTER_STATUSES
        ).select_related("family__guardian")
    }
    chains = _predecessors([place.pk for place in places.values()])
    paid = integration.paid_by_place([pk for chain in chains.values() for pk in chain])
    result = []
    for row in rows:
        place = places[row.learner.pk]
        result.append(
            StaffRosterRow(
                row=row,
                enrollment=place,
                guardian=place.family.guardian,
                paid_rials=sum(paid.get(pk, 0) for pk in chains[place.pk]),
            )
        )
    return result


def staff_roster_learner(*, offering: Offering, learner_id: int) -> Learner:
    """A learner with a place on the offering's roster, else 404."""
    learner = (
        roster_learners(offering=offering)
        .select_related("family__guardian")
        .filter(pk=learner_id)
        .first()
    )
    if learner is None:
        raise Http404
    return learner


# --- the attendance sheet -----------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    learner: Learner
    attendance: Attendance | None


def attendance_sheet(*, session: Session) -> list[SheetRow]:
    """Every learner with a place in the session's offering, with their row if one exists."""
    rows = {
        a.learner_id: a
        for a in Attendance.objects.filter(session=session).select_related("confirmed_by")
    }
    learners = roster_learners(offering=session.offering).distinct()
    return [SheetRow(learner=learner, attendance=rows.get(learner.pk)) for learner in learners]


def confirm_deadline(session: Session) -> dt.datetime:
    """The end of the instructor's window to confirm or correct a session's attendance."""
    return session.ends_at + dt.timedelta(days=settings.KARGAH_ATTENDANCE_CONFIRM_DAYS)


def sheet_editable(
    *, user: User | AnonymousUser, session: Session, now: dt.datetime | None = None
) -> bool:
    """The instructor marks from the session's start until the window closes; center staff
    from the start on, with no end. Never on a cancelled session."""
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED or now < session.starts_at:
        return False
    if may_oversee(user=user, offering=session.offering):
        return True
    return teaches(user=user, offering=session.offering) and now <= confirm_deadline(session)


# --- what the family sees -----------------------------------------------------------------


@dataclass(frozen=True)
class FamilySessionAttendance:
    session: Session
    attendance: Attendance | None


def family_attendance(
    *, guardian: User | AnonymousUser, enrollment: Enrollment
) -> list[FamilySessionAttendance]:
    """A child's attendance in the sessions of one class that have started, for its family
    only (own or linked child, or the family that holds the place); else nothing."""
    if not _family_sees(guardian=guardian, enrollment=enrollment):
        return []
    now = timezone.now()
    sessions = Session.objects.filter(
        offering_id=enrollment.offering_id, starts_at__lte=now
    ).order_by("starts_at", "id")
    rows = {
        a.session_id: a
        for a in Attendance.objects.filter(
            learner_id=enrollment.learner_id, session__offering_id=enrollment.offering_id
        )
    }
    return [FamilySessionAttendance(session=s, attendance=rows.get(s.pk)) for s in sessions]


def family_conduct_notes(
    *, guardian: User | AnonymousUser, enrollment: Enrollment
) -> QuerySet[ConductNote]:
    """The conduct notes on the child in this class, for its family only (R6)."""
    if not _family_sees(guardian=guardian, enrollment=enrollment):
        return ConductNote.objects.none()
    return ConductNote.objects.filter(
        learner_id=enrollment.learner_id, offering_id=enrollment.offering_id
    ).select_related("author")


def _family_id(user: User | AnonymousUser) -> int | None:
    family = getattr(user, "family", None) if user.is_authenticated else None
    return family.pk if family is not None else None


def _family_sees(*, guardian: User | AnonymousUser, enrollment: Enrollment) -> bool:
    family_id = _family_id(guardian)
    if family_id is None or not guardian.is_authenticated or guardian.role != Role.GUARDIAN:
        return False
    return Enrollment.objects.filter(
        Q(visible_to_family(family_id=family_id)) | Q(family_id=family_id), pk=enrollment.pk
    ).exists()
