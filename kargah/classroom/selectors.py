"""Reads of the classroom: the join window, who may join a session and as whom, what the
join buttons show, presence per person with minutes attended, and recordings' access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Greatest
from django.utils import timezone

from kargah.accounts.models import Learner, LearnerLink, LinkStatus, Role, User
from kargah.accounts.selectors import linked_learner_ids
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.classroom.models import ClassroomSettings, JoinRole, PresenceInterval, Room
from kargah.devicecheck.models import DeviceCheck
from kargah.devicecheck.selectors import valid_since
from kargah.enrollment.models import Enrollment, EnrollmentStatus

# A place that lets its learner into the room (only confirmed: R4, docs/classroom.md).
JOINING_STATUSES = (EnrollmentStatus.CONFIRMED,)
# A place whose family may watch the recordings (the class may be over).
RECORDING_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.COMPLETED)


@dataclass(frozen=True)
class JoinWindow:
    opens_at: dt.datetime
    closes_at: dt.datetime
    state: str  # "before", "open", "after" or "cancelled"

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def join_window(*, session: Session, now: dt.datetime | None = None) -> JoinWindow:
    """The time the join button shows: from KARGAH_JOIN_OPENS_MINUTES before the start up
    to (not including) the session's end. Reads no classroom server."""
    now = now or timezone.now()
    opens_at = session.starts_at - dt.timedelta(minutes=settings.KARGAH_JOIN_OPENS_MINUTES)
    if session.status == SessionStatus.CANCELLED or (
        session.offering.status == OfferingStatus.CANCELLED
    ):
        state = "cancelled"
    elif now < opens_at:
        state = "before"
    elif now < session.ends_at:
        state = "open"
    else:
        state = "after"
    return JoinWindow(opens_at=opens_at, closes_at=session.ends_at, state=state)


@dataclass(frozen=True)
class JoinAccess:
    """Who enters the room, as whom: a moderator under the instructor's name, or a viewer
    under the child's name. `person_key` is the userID the classroom reports back."""

    role: str
    full_name: str
    person_key: str
    learner_id: int | None = None


def _family_id(user: User | AnonymousUser) -> int | None:
    family = getattr(user, "family", None) if user.is_authenticated else None
    return family.pk if family is not None else None


def learners_joinable(*, user: User | AnonymousUser, offering: Offering) -> QuerySet[Learner]:
    """The children this person may bring into the offering's room: a guardian's own and
    linked children (or any child whose place the family pays for) with a confirmed place;
    a learner with an own login, themself. Nobody for anyone else."""
    if not user.is_authenticated:
        return Learner.objects.none()
    places = Enrollment.objects.filter(offering=offering, status__in=JOINING_STATUSES)
    if user.role == Role.LEARNER:
        return Learner.objects.filter(user=user, pk__in=places.values("learner_id"))
    family_id = _family_id(user)
    if user.role != Role.GUARDIAN or family_id is None:
        return Learner.objects.none()
    visible = (
        Q(learner__family_id=family_id)
        | Q(learner_id__in=linked_learner_ids(family_id=family_id))
        | Q(family_id=family_id)
    )
    return Learner.objects.filter(pk__in=places.filter(visible).values("learner_id")).order_by(
        "first_name", "id"
    )


def _places_joinable(*, user: User | AnonymousUser, learner_id: int) -> QuerySet[Enrollment] | None:
    """This child's places that let this person bring them in (R4: confirmed only): a
    learner's own; a guardian's own child, a linked one (approved link) or one whose place
    the family pays for, the family found through its guardian. None for anyone else."""
    if not user.is_authenticated or user.role not in (Role.LEARNER, Role.GUARDIAN):
        return None
    places = Enrollment.objects.filter(status__in=JOINING_STATUSES, learner_id=learner_id)
    if user.role == Role.LEARNER:
        return places.filter(learner__user=user)
    linked = LearnerLink.objects.filter(family__guardian=user, status=LinkStatus.APPROVED).values(
        "learner_id"
    )
    return places.filter(
        Q(learner__family__guardian=user) | Q(learner_id__in=linked) | Q(family__guardian=user)
    )


def learner_joinable(
    *, user: User | AnonymousUser, offering: Offering, learner_id: int
) -> Learner | None:
    """The one child of `learners_joinable` with this id, or None: the same rules in one
    query, the family found through its guardian rather than read first."""
    places = _places_joinable(user=user, learner_id=learner_id)
    if places is None:
        return None
    place = places.filter(offering=offering).select_related("learner").order_by().first()
    return place.learner if place is not None else None


def is_instructor_of(*, user: User | AnonymousUser, offering: Offering) -> bool:
    return (
        user.is_authenticated
        and user.role == Role.INSTRUCTOR
        and offering.instructors.filter(pk=user.pk).exists()
    )


@dataclass(frozen=True)
class JoinRead:
    """Everything a click on a join button reads, from one query (the join rush's hot path,
    docs/performance.md): the class session with its offering, course, center and room (None
    before the first join), as whom the person may join (None: nobody, a 404), and whether
    the child has a current passing device check (R5, R8–R10)."""

    session: Session
    room: Room | None
    access: JoinAccess | None
    device_checked: bool


def join_read(
    *,
    user: User | AnonymousUser,
    session_id: int,
    learner_id: int | None,
    now: dt.datetime | None = None,
) -> JoinRead | None:
    """The session (None when there is no such session) and the person checked now. With a
    learner, only that child's confirmed place in the offering counts; without one, only the
    offering's instructors (a guardian cannot pose as one). The checks are subqueries of the
    session's row, so the answer costs one round trip whatever the person."""
    found = Session.objects.select_related("offering__course", "offering__center", "room").filter(
        pk=session_id
    )
    places = None if learner_id is None else _places_joinable(user=user, learner_id=learner_id)
    if places is not None and learner_id is not None:
        name = places.filter(offering_id=OuterRef("offering_id")).order_by()
        found = found.annotate(
            joining_name=Subquery(
                name.values_list(
                    Concat("learner__first_name", Value(" "), "learner__last_name"), flat=True
                )[:1]
            ),
            device_checked=Exists(
                DeviceCheck.objects.filter(
                    learner_id=learner_id, passed=True, checked_at__gte=valid_since(now=now)
                )
            ),
        )
    elif learner_id is None and user.is_authenticated and user.role == Role.INSTRUCTOR:
        teaches = Offering.instructors.through.objects.filter(
            offering_id=OuterRef("offering_id"), user_id=user.pk
        )
        found = found.annotate(teaches=Exists(teaches))
    session = found.first()
    if session is None:
        return None
    try:
        room: Room | None = session.room
    except Room.DoesNotExist:
        room = None
    access = None
    joining_name: str | None = getattr(session, "joining_name", None)
    if joining_name is not None and learner_id is not None:
        access = JoinAccess(
            role=JoinRole.VIEWER,
            full_name=joining_name,
            person_key=f"learner-{learner_id}",
            learner_id=learner_id,
        )
    elif getattr(session, "teaches", False):
        assert isinstance(user, User)
        access = JoinAccess(
            role=JoinRole.MODERATOR,
            full_name=user.get_full_name() or user.username,
            person_key=f"user-{user.pk}",
        )
    return JoinRead(
        session=session,
        room=room,
        access=access,
        device_checked=bool(getattr(session, "device_checked", False)),
    )


@dataclass(frozen=True)
class JoinButton:
    session: Session
    learner: Learner | None  # None: the instructor's own button


def join_buttons(
    *,
    user: User | AnonymousUser,
    offering: Offering,
    sessions: Iterable[Session],
    now: dt.datetime | None = None,
) -> list[JoinButton]:
    """The join buttons of an offering's page: one per open session and joinable child, or
    the instructor's. Reads the database only, never the classroom server, so a server that
    is down or slow costs the page nothing."""
    now = now or timezone.now()
    open_sessions = [s for s in sessions if join_window(session=s, now=now).is_open]
    if not open_sessions or not user.is_authenticated:
        return []
    if is_instructor_of(user=user, offering=offering):
        return [JoinButton(session=s, learner=None) for s in open_sessions]
    learners = list(learners_joinable(user=user, offering=offering))
    return [JoinButton(session=s, learner=learner) for s in open_sessions for learner in learners]


def classroom_settings_of(*, offering: Offering) -> ClassroomSettings:
    """The offering's room settings, or the defaults (unsaved) when it has none."""
    found = ClassroomSettings.objects.filter(offering=offering).first()
    return found or ClassroomSettings(
        offering=offering, records=settings.KARGAH_ROOM_RECORD_DEFAULT
    )


def recordings_visible(*, user: User | AnonymousUser, offering: Offering) -> list[Session]:
    """The sessions of the offering whose recordings the person may open: the offering
    records, the session's room was opened and is over, and the person's family has a
    confirmed or completed place (or they teach it). The URLs are fetched at click time."""
    if not user.is_authenticated or not recordings_allowed(user=user, offering=offering):
        return []
    return list(
        Session.objects.filter(offering=offering, room__records=True, room__opened_at__isnull=False)
        .filter(Q(room__ended_at__isnull=False) | Q(ends_at__lte=timezone.now()))
        .order_by("starts_at")
    )


def recordings_allowed(*, user: User | AnonymousUser, offering: Offering) -> bool:
    if not user.is_authenticated:
        return False
    if is_instructor_of(user=user, offering=offering):
        return True
    family_id = _family_id(user)
    places = Enrollment.objects.filter(offering=offering, status__in=RECORDING_STATUSES)
    if user.role == Role.LEARNER:
        return places.filter(learner__user=user).exists()
    if family_id is None:
        return False
    return places.filter(
        Q(learner__family_id=family_id)
        | Q(learner_id__in=linked_learner_ids(family_id=family_id))
        | Q(family_id=family_id)
    ).exists()


def room_of(*, session: Session) -> Room | None:
    return Room.objects.filter(session=session).first()


@dataclass(frozen=True)
class Presence:
    """One person's time in a session's room."""

    person_key: str
    full_name: str
    role: str
    learner_id: int | None
    user_id: int | None
    minutes: int
    first_joined_at: dt.datetime
    inside_now: bool


def _merged_seconds(spans: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Seconds covered by the spans, overlaps counted once (two devices at once)."""
    total = 0.0
    current_start: dt.datetime | None = None
    current_end: dt.datetime | None = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def session_presence(*, session: Session, now: dt.datetime | None = None) -> list[Presence]:
    """Everyone seen in the session's room, with the minutes they were inside during the
    session's own time (joining early or staying late does not count), learners first.
    The data the attendance sheet starts from (R7: an absence is recorded either way)."""
    now = now or timezone.now()
    by_person: dict[str, list[PresenceInterval]] = {}
    for interval in PresenceInterval.objects.filter(session=session).order_by("joined_at", "id"):
        by_person.setdefault(interval.person_key, []).append(interval)
    rows = []
    for key, intervals in by_person.items():
        spans = []
        for interval in intervals:
            start = max(interval.joined_at, session.starts_at)
            end = min(interval.left_at or now, session.ends_at)
            if end > start:
                spans.append((start, end))
        last = intervals[-1]
        rows.append(
            Presence(
                person_key=key,
                full_name=last.full_name,
                role=last.role,
                learner_id=last.learner_id,
                user_id=last.user_id,
                minutes=int(_merged_seconds(spans) // 60),
                first_joined_at=intervals[0].joined_at,
                inside_now=any(i.left_at is None for i in intervals),
            )
        )
    return sorted(rows, key=lambda p: (p.role != JoinRole.VIEWER, p.full_name))


def rooms_to_poll(*, now: dt.datetime | None = None) -> QuerySet[Room]:
    """Rooms opened on the server and not known to have ended, of sessions of the last day:
    those running, and those whose end callback never came (the poll then finds them
    gone and closes them)."""
    now = now or timezone.now()
    return Room.objects.filter(
        opened_at__isnull=False,
        ended_at__isnull=True,
        session__ends_at__gte=now - dt.timedelta(days=1),
    ).select_related("session")


# --- a classroom outage (issue 10, item 8; docs/makeups.md) ---------------------------------

# Offerings whose sessions the lifecycle job looks after (as in services_lifecycle).
_LIVE = (OfferingStatus.REGISTRATION_CLOSED, OfferingStatus.RUNNING)


def sessions_to_probe(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Scheduled sessions nobody has taught yet, within their join window, whose room is
    not open on the server: the outage probe asks the classroom about them."""
    now = now or timezone.now()
    opens = dt.timedelta(minutes=settings.KARGAH_JOIN_OPENS_MINUTES)
    return (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            taught_at__isnull=True,
            offering__status__in=_LIVE,
            starts_at__lte=now + opens,
            ends_at__gt=now,
        )
        .exclude(room__opened_at__isnull=False, room__ended_at__isnull=True)
        .select_related("offering")
        .order_by("starts_at", "id")
    )


def sessions_in_outage(*, now: dt.datetime | None = None) -> list[int]:
    """Scheduled, untaught sessions of live offerings whose classroom failed every call from
    the session's start (or from the first failure, if later) for at least
    KARGAH_CLASSROOM_OUTAGE_MINUTES, with no success since and nobody inside meanwhile: the
    failures recorded are the evidence (a probe that stopped proves no more minutes)."""
    now = now or timezone.now()
    length = dt.timedelta(minutes=settings.KARGAH_CLASSROOM_OUTAGE_MINUTES)
    inside = PresenceInterval.objects.filter(session=OuterRef("session")).filter(
        Q(left_at__isnull=True) | Q(left_at__gt=OuterRef("outage_from"))
    )
    rooms = (
        Room.objects.filter(
            failing_since__isnull=False,
            last_failure_at__isnull=False,
            session__status=SessionStatus.SCHEDULED,
            session__taught_at__isnull=True,
            session__offering__status__in=_LIVE,
            session__starts_at__lte=now - length,
        )
        .annotate(outage_from=Greatest("failing_since", "session__starts_at"))
        .filter(last_failure_at__gte=F("outage_from") + length)
        .exclude(Exists(inside))
        .order_by("session__starts_at", "session_id")
    )
    return list(rooms.values_list("session_id", flat=True))


def sessions_failing_after(*, since: dt.datetime) -> QuerySet[Room, int]:
    """Ids of the sessions whose classroom failed a call after `since`: the instructor's
    absence is not proven while the classroom itself was failing (the job waits)."""
    return Room.objects.filter(last_failure_at__gt=since).values_list("session_id", flat=True)
