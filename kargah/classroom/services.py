"""Writes of the classroom: rooms created once on the classroom server, joins (a fresh join
URL per click, logged), presence from callbacks and polls, the end of a room, and the
playback URL of a recording fetched at click time."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner, User
from kargah.catalog.models import Session
from kargah.catalog.services_lifecycle import session_mark_taught
from kargah.classroom import selectors
from kargah.classroom.bbb import (
    MODERATOR,
    VIEWER,
    BBBClient,
    BBBError,
    MeetingInfo,
    bbb_client,
    checksum,
)
from kargah.classroom.models import JoinLog, JoinOutcome, JoinRole, PresenceInterval, Room
from kargah.core.locks import lock_keys
from kargah.core.persian import to_persian_digits
from kargah.core.services import audit_record

logger = logging.getLogger(__name__)


def welcome_text(*, session: Session) -> str:
    """The room's welcome, in Persian whatever the clicker's language: the conduct (R6) and
    the chat rule (R11) of the agreement, and the camera and headset advice (R9, R10)."""
    with translation.override("fa"):
        return _(
            "Welcome to %(title)s, session %(number)s. In this class we keep the Islamic "
            "codes of conduct and speak kindly to one another. Use the chat only for the "
            "class topic; private chat is off. Sit with a wall behind you and use a headset "
            "when you speak."
        ) % {"title": session.offering.course.title, "number": to_persian_digits(session.number)}


def room_name(*, session: Session) -> str:
    """The room's name as everyone inside sees it: in Persian, with Persian digits, whoever
    happened to open the room first."""
    with translation.override("fa"):
        return _("%(title)s, session %(number)s") % {
            "title": session.offering.course.title,
            "number": to_persian_digits(session.number),
        }


def end_callback_token(*, room: Room) -> str:
    """The secret part of the end-callback URL: only the classroom server learns it."""
    return salted_hmac("kargah.classroom.end", room.meeting_id).hexdigest()[:32]


def _absolute(site_url: str, path: str) -> str:
    return f"{site_url.rstrip('/')}{path}"


def room_create_params(
    *, room: Room, session: Session, site_url: str, now: dt.datetime
) -> dict[str, str]:
    """BBB `create` parameters for the session's room (besides name and meetingID)."""
    offering = session.offering
    grace = dt.timedelta(minutes=settings.KARGAH_ROOM_GRACE_MINUTES)
    # BBB counts `duration` from create; the room ends a grace time after the session.
    duration = max(1, math.ceil((session.ends_at + grace - now).total_seconds() / 60))
    end_url = reverse("classroom:bbb_ended", args=[room.pk, end_callback_token(room=room)])
    return {
        "attendeePW": room.attendee_pw,
        "moderatorPW": room.moderator_pw,
        "record": "true" if room.records else "false",
        "autoStartRecording": "true" if room.records else "false",
        "allowStartStopRecording": "true",
        "duration": str(duration),
        "welcome": welcome_text(session=session),
        # R11: the chat is the class's, in public; lock settings apply to viewers on join.
        "lockSettingsDisablePrivateChat": "true",
        "lockSettingsLockOnJoin": "true",
        "logoutURL": _absolute(site_url, reverse("catalog:detail", args=[offering.pk])),
        "meta_kargah-center": str(offering.center_id),
        "meta_kargah-offering": str(offering.pk),
        "meta_kargah-session": str(session.pk),
        "meta_endCallbackUrl": _absolute(site_url, end_url),
    }


def _room_row(*, session: Session) -> Room:
    """The session's Room row (created with the offering's recording setting on first use;
    the unique session column makes a second insert fail and re-read)."""
    room = Room.objects.filter(session=session).first()
    if room is not None:
        return room
    records = selectors.classroom_settings_of(offering=session.offering).records
    try:
        with transaction.atomic():
            return Room.objects.create(session=session, records=records)
    except IntegrityError:
        return Room.objects.get(session=session)


def room_ensure(*, session: Session, site_url: str = "", client: BBBClient | None = None) -> Room:
    """The session's room, created on the classroom server if it is not open there: at most
    one `create` per session however many joins arrive at once (a named lock on the session,
    then a re-read), on top of BBB's own idempotent create. A room that ended (its end
    callback, or a poll that found it gone) is created again for a later join."""
    room = _room_row(session=session)
    if room.is_open:
        return room
    try:
        return _room_open(room=room, session=session, site_url=site_url, client=client)
    except BBBError:
        # Outside the failed transaction, so that it stays: the outage detector reads it.
        room_call_failed(room=room, at=timezone.now())
        raise


def _room_open(*, room: Room, session: Session, site_url: str, client: BBBClient | None) -> Room:
    with transaction.atomic():
        lock_keys(("classroom.room", str(session.pk)))
        room = Room.objects.get(pk=room.pk)
        if room.is_open:
            return room
        now = timezone.now()
        params = room_create_params(
            room=room, session=session, site_url=site_url or settings.KARGAH_SITE_URL, now=now
        )
        name = room_name(session=session)
        # Under the lock: the others wait for this answer, then find the room open.
        (client or bbb_client()).create(meeting_id=room.meeting_id, name=name, params=params)
        reopened = room.ended_at is not None
        room.opened_at, room.ended_at = now, None
        room.failing_since, room.last_success_at = None, now
        room.save(update_fields=["opened_at", "ended_at", "failing_since", "last_success_at"])
        audit_record(
            actor=None,
            action="room.reopened" if reopened else "room.opened",
            obj=room,
            after={"session": session.pk, "records": room.records},
        )
    return room


# --- the classroom's health per session (the outage detector's evidence) -------------------


def room_call_failed(*, room: Room, at: dt.datetime) -> None:
    """A call for this session's room failed (down, slow, refused, or the breaker open):
    the run of failures starts now unless one is going on. One UPDATE, no read: joins and
    polls at once each leave their failure."""
    stamp = Value(at, output_field=DateTimeField())
    Room.objects.filter(pk=room.pk).update(
        last_failure_at=Greatest(Coalesce(F("last_failure_at"), stamp), stamp),
        failing_since=Coalesce(F("failing_since"), stamp),
    )


def room_call_succeeded(*, room: Room, at: dt.datetime) -> None:
    """A call for this session's room succeeded: the run of failures, if any, is over (unless
    a later failure was recorded meanwhile)."""
    Room.objects.filter(pk=room.pk).filter(
        Q(last_failure_at__isnull=True) | Q(last_failure_at__lte=at)
    ).update(failing_since=None, last_success_at=at)


def outage_probe(*, client: BBBClient | None = None, now: dt.datetime | None = None) -> int:
    """Asks the classroom about each untaught session in its join window whose room is not
    open (`isMeetingRunning`, the cheapest call), so that an outage is seen even when nobody
    clicks; returns how many calls failed. The poll runs it every minute."""
    now = now or timezone.now()
    client = client or bbb_client()
    failures = 0
    for session in selectors.sessions_to_probe(now=now):
        room = _room_row(session=session)
        try:
            client.is_meeting_running(meeting_id=room.meeting_id)
        except BBBError as exc:
            logger.warning("classroom probe of session %s: %s", session.pk, exc.detail)
            room_call_failed(room=room, at=now)
            failures += 1
        else:
            room_call_succeeded(room=room, at=now)
    return failures


@dataclass(frozen=True)
class JoinResult:
    url: str
    room: Room


def join_log(
    *,
    session: Session,
    user: User,
    outcome: str,
    ip: str | None,
    access: selectors.JoinAccess | None = None,
    at: dt.datetime | None = None,
) -> JoinLog:
    """Records one click on a join button, whatever came of it: one INSERT in the request's
    autocommit, no transaction or savepoint around it (the row is alone), written before the
    answer so that no click goes unrecorded."""
    return JoinLog.objects.create(
        session=session,
        user=user,
        learner_id=access.learner_id if access else None,
        full_name=access.full_name if access else "",
        role=access.role if access else "",
        outcome=outcome,
        at=at or timezone.now(),
        ip=ip,
    )


def join_start(
    *,
    session: Session,
    user: User,
    access: selectors.JoinAccess,
    ip: str | None,
    site_url: str = "",
    client: BBBClient | None = None,
    room: Room | None = None,
) -> JoinResult:
    """Opens the room if needed and builds a fresh join URL for this person (never stored,
    never sent by SMS); logs the join. BBBError when the classroom is unavailable (logged
    too). The caller has checked access and the window. A `room` the caller read open is
    used as it is: no read, no lock, no transaction (the rush's fast path); any other goes
    through room_ensure and its lock."""
    client = client or bbb_client()
    if room is None or not room.is_open:
        try:
            room = room_ensure(session=session, site_url=site_url, client=client)
        except BBBError:
            join_log(
                session=session, user=user, outcome=JoinOutcome.UNAVAILABLE, ip=ip, access=access
            )
            raise
    url = client.join_url(
        meeting_id=room.meeting_id,
        full_name=access.full_name,
        role=MODERATOR if access.role == JoinRole.MODERATOR else VIEWER,
        user_id=access.person_key,
    )
    join_log(session=session, user=user, outcome=JoinOutcome.JOINED, ip=ip, access=access)
    return JoinResult(url=url, room=room)


# --- presence: callbacks and polls ------------------------------------------------------


def _person(person_key: str) -> tuple[int | None, int | None]:
    """(learner id, user id) of a userID we gave on join; (None, None) for anyone else."""
    kind, _sep, number = person_key.partition("-")
    if not number.isdigit() or len(number) > 18:
        return None, None
    if kind == "learner" and Learner.objects.filter(pk=int(number)).exists():
        return int(number), None
    if kind == "user" and User.objects.filter(pk=int(number)).exists():
        return None, int(number)
    return None, None


def _teaching_seen(room: Room, at: dt.datetime) -> None:
    """Marks the first moderator inside, once, and tells the session's lifecycle that it was
    taught (scheduled → held once it ends; issue 10, item 3)."""
    if room.teaching_seen_at is not None:
        return
    room.teaching_seen_at = at
    room.save(update_fields=["teaching_seen_at"])
    audit_record(actor=None, action="room.teaching_seen", obj=room, after={"at": at.isoformat()})
    session_mark_taught(session=room.session, at=at)


def _open_interval(
    room: Room, *, person_key: str, full_name: str, role: str, at: dt.datetime
) -> None:
    if PresenceInterval.objects.filter(
        session_id=room.session_id, person_key=person_key, left_at__isnull=True
    ).exists():
        return
    learner_id, user_id = _person(person_key)
    PresenceInterval.objects.create(
        session_id=room.session_id,
        person_key=person_key,
        learner_id=learner_id,
        user_id=user_id,
        full_name=full_name[:200],
        role=JoinRole.MODERATOR if role.upper() == MODERATOR else JoinRole.VIEWER,
        joined_at=at,
    )
    if role.upper() == MODERATOR:
        _teaching_seen(room, at)


def _close_intervals(room: Room, *, at: dt.datetime, person_key: str | None = None) -> int:
    open_ = PresenceInterval.objects.filter(session_id=room.session_id, left_at__isnull=True)
    if person_key is not None:
        open_ = open_.filter(person_key=person_key)
    closed = 0
    for interval in open_:
        interval.left_at = max(at, interval.joined_at)
        interval.save(update_fields=["left_at"])
        closed += 1
    return closed


def _locked_room(room_id: int) -> Room:
    return Room.objects.select_for_update().select_related("session").get(pk=room_id)


@dataclass(frozen=True)
class ClassroomEvent:
    """One event of the classroom's webhooks, reduced to what presence needs."""

    kind: str  # user-joined, user-left, meeting-ended
    meeting_id: str
    person_key: str
    full_name: str
    role: str
    at: dt.datetime


HANDLED_EVENTS = frozenset({"user-joined", "user-left", "meeting-ended"})


def events_parse(body: bytes) -> list[ClassroomEvent]:
    """The events of a webhooks call (a form with `event`, a JSON array of
    {data: {id, attributes: {meeting, user}, event: {ts}}}); ValueError when the body is
    not that shape. Events of other kinds are left out."""
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        items = json.loads(form["event"])
    except (UnicodeDecodeError, ValueError, KeyError, RecursionError) as exc:
        raise ValueError("not a webhooks body") from exc
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or len(items) > 100:
        raise ValueError("event is not a list")
    events = []
    for item in items:
        try:
            data = item["data"]
            kind = str(data["id"])
            attributes = data.get("attributes", {})
            meeting = attributes["meeting"]
            user = attributes.get("user") or {}
            ts = int(data.get("event", {}).get("ts", 0))
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise ValueError("event has not the webhooks shape") from exc
        if kind not in HANDLED_EVENTS:
            continue
        try:
            at = dt.datetime.fromtimestamp(ts / 1000, tz=dt.UTC) if ts > 0 else timezone.now()
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError("bad timestamp") from exc
        events.append(
            ClassroomEvent(
                kind=kind,
                meeting_id=str(meeting.get("external-meeting-id", ""))[:64],
                person_key=str(user.get("external-user-id", ""))[:64],
                full_name=str(user.get("name", ""))[:200],
                role=str(user.get("role", VIEWER))[:20],
                at=at,
            )
        )
    return events


def webhook_checksum_ok(*, url: str, body: bytes, given: str) -> bool:
    """The webhooks app's check: hex(sha(callback URL + body + secret)), the algorithm told
    by the checksum's length."""
    algorithm = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}.get(len(given))
    secret = settings.KARGAH_BBB_SECRET
    if algorithm is None or not secret:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    expected = checksum(url, text, secret, algorithm)
    return secrets.compare_digest(expected, given.lower())


def presence_event_record(*, event: ClassroomEvent) -> bool:
    """Applies one verified event; False when it is not about one of our rooms. Repeated
    events change nothing more (one open interval per person)."""
    room_id = Room.objects.filter(meeting_id=event.meeting_id).values_list("pk", flat=True).first()
    if room_id is None:
        return False
    with transaction.atomic():
        room = _locked_room(room_id)
        if event.kind == "meeting-ended":
            _room_end(room, at=event.at)
        elif event.kind == "user-joined" and event.person_key:
            _open_interval(
                room, person_key=event.person_key, full_name=event.full_name, role=event.role,
                at=event.at,
            )  # fmt: skip
        elif event.kind == "user-left" and event.person_key:
            _close_intervals(room, at=event.at, person_key=event.person_key)
    return True


def _room_end(room: Room, *, at: dt.datetime) -> None:
    _close_intervals(room, at=at)
    if room.ended_at is None:
        room.ended_at = at
        room.save(update_fields=["ended_at"])
        audit_record(actor=None, action="room.ended", obj=room, after={"at": at.isoformat()})


def room_end_record(*, room: Room, at: dt.datetime | None = None) -> None:
    """The classroom says the room ended (its end callback): everyone still inside left."""
    with transaction.atomic():
        _room_end(_locked_room(room.pk), at=at or timezone.now())


def presence_sync(*, room: Room, info: MeetingInfo | None, at: dt.datetime) -> None:
    """Brings the intervals in line with a getMeetingInfo answer: who is listed is inside
    (an interval opens now if none is open), who is not has left (now); a meeting the
    server no longer knows has ended."""
    with transaction.atomic():
        room = _locked_room(room.pk)
        if room.ended_at is not None:
            return
        if info is None:
            _room_end(room, at=at)
            return
        inside = {a.user_id: a for a in info.attendees if a.user_id}
        for key, attendee in inside.items():
            _open_interval(
                room, person_key=key, full_name=attendee.full_name, role=attendee.role, at=at
            )
        for interval in PresenceInterval.objects.filter(
            session_id=room.session_id, left_at__isnull=True
        ).exclude(person_key__in=list(inside)):
            _close_intervals(room, at=at, person_key=interval.person_key)


def presence_poll(*, client: BBBClient | None = None, now: dt.datetime | None = None) -> int:
    """Asks the classroom who is inside each running room (the beat task's work, beside
    the callbacks, which may be lost); returns how many rooms answered. A server that is
    down is logged and skipped (the next poll tries again), and the failure is kept on the
    room for the outage detector; then the sessions due whose rooms are not open are
    probed (`outage_probe`)."""
    now = now or timezone.now()
    client = client or bbb_client()
    answered = 0
    for room in selectors.rooms_to_poll(now=now):
        try:
            info = client.get_meeting_info(meeting_id=room.meeting_id)
        except BBBError as exc:
            logger.warning("presence poll of room %s: %s", room.pk, exc.detail)
            room_call_failed(room=room, at=now)
            continue
        room_call_succeeded(room=room, at=now)
        presence_sync(room=room, info=info, at=now)
        answered += 1
    outage_probe(client=client, now=now)
    return answered


def recording_playback_url(*, room: Room, client: BBBClient | None = None) -> str | None:
    """The playback URL of the room's published recording, asked of the server now (it is
    never kept or put in a page); None while there is none."""
    recordings = (client or bbb_client()).get_recordings(meeting_id=room.meeting_id)
    for recording in sorted(recordings, key=lambda r: r.start_ms):
        if recording.published and recording.playbacks:
            return recording.playbacks[0].url
    return None
