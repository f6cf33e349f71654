"""Presence: join/leave events from the classroom (verified by their checksum), the poll of
getMeetingInfo, minutes attended, and the session marked taught once."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Session
from kargah.classroom import selectors, services
from kargah.classroom.fakebbb import server
from kargah.classroom.models import PresenceInterval, Room
from kargah.classroom.tests.conftest import join, signed_in
from kargah.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db
EVENTS_URL = "http://testserver/class/bbb/events/"


def _enter(user, session, learner=None) -> str:
    """Joins through our endpoint and opens the fake's room; returns the room token."""
    location = join(user, session, learner)["Location"].removeprefix("http://testserver")
    room_page = Client().get(location)
    assert room_page.status_code == 302
    return room_page["Location"].rstrip("/").rsplit("/", 1)[-1]


def _leave(token: str) -> None:
    assert Client().post(f"/fake-bbb/room/{token}/leave/").status_code == 200


def test_joins_and_leaves_in_the_fake_become_intervals_and_minutes(
    session: Session, child, guardian, instructor, clock: Clock
):
    clock.current = session.starts_at
    teacher = _enter(instructor, session)
    learner = _enter(guardian, session, child)
    rows = {p.person_key: p for p in selectors.session_presence(session=session)}
    assert rows[f"learner-{child.pk}"].inside_now and rows[f"user-{instructor.pk}"].inside_now
    clock.advance(minutes=25)
    _leave(learner)
    clock.advance(minutes=10)
    _leave(teacher)
    rows = {p.person_key: p for p in selectors.session_presence(session=session)}
    learner_row = rows[f"learner-{child.pk}"]
    assert learner_row.learner_id == child.pk and learner_row.role == "viewer"
    assert not learner_row.inside_now
    # Event timestamps are the fake's real clock; minutes come from the intervals.
    interval = PresenceInterval.objects.get(person_key=f"learner-{child.pk}")
    assert interval.left_at is not None


def _event(kind: str, room: Room, person: str, role: str, at: dt.datetime) -> str:
    event = {
        "data": {
            "type": "event",
            "id": kind,
            "attributes": {
                "meeting": {"internal-meeting-id": "x-1", "external-meeting-id": room.meeting_id},
                "user": {
                    "internal-user-id": "w_1",
                    "external-user-id": person,
                    "name": "سارا",
                    "role": role,
                },
            },
            "event": {"ts": int(at.timestamp() * 1000)},
        }
    }
    return urlencode({"event": json.dumps([event]), "timestamp": "1"})


def _post(body: str, checksum: str | None = None):
    url = (
        server.signed_hook_url(EVENTS_URL, body)
        if checksum is None
        else f"{EVENTS_URL}?checksum={checksum}"
    )
    return Client().post(
        url.removeprefix("http://testserver"), data=body,
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip


def test_minutes_count_only_the_sessions_own_time_and_overlaps_once(session, child):
    room = services.room_ensure(session=session)
    start = session.starts_at
    person = f"learner-{child.pk}"
    for kind, at in [
        ("user-joined", start - dt.timedelta(minutes=10)),  # early: not counted
        ("user-left", start + dt.timedelta(minutes=20)),
        ("user-joined", start + dt.timedelta(minutes=30)),
        ("user-joined", start + dt.timedelta(minutes=31)),  # repeated: no second interval
        ("user-left", start + dt.timedelta(minutes=45)),
    ]:
        assert _post(_event(kind, room, person, "VIEWER", at)).status_code == 200
    [row] = selectors.session_presence(session=session)
    assert row.minutes == 35 and row.learner_id == child.pk
    assert PresenceInterval.objects.filter(person_key=person).count() == 2


def test_a_forged_event_is_refused_and_changes_nothing(session, child):
    room = services.room_ensure(session=session)
    body = _event("user-joined", room, f"learner-{child.pk}", "VIEWER", session.starts_at)
    assert _post(body, checksum="0" * 64).status_code == 401
    assert _post(body, checksum="").status_code == 401
    assert not PresenceInterval.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "event=not-json",
        "nothing=here",
        urlencode({"event": json.dumps([{"data": "x"}])}),
        urlencode({"event": json.dumps([{"data": {"id": "user-joined"}}])}),
        urlencode(
            {
                "event": json.dumps(
                    [
                        {
                            "data": {
                                "id": "user-joined",
                                "attributes": {"meeting": {}},
                                "event": {"ts": 10**30},
                            }
                        }
                    ]
                )
            }
        ),
        urlencode({"event": "[" * 5000 + "]" * 5000}),
        "%ff%fe=%00",
    ],
)
def test_a_hostile_body_with_a_good_checksum_is_400(body):
    assert _post(body).status_code == 400


def test_an_event_of_a_room_we_do_not_know_is_ignored(session):
    room = Room(meeting_id="kargah-someone-else")
    body = _event("user-joined", room, "learner-1", "VIEWER", session.starts_at)
    assert _post(body).status_code == 200
    assert not PresenceInterval.objects.exists()


def test_the_session_is_marked_taught_once_when_a_moderator_is_first_seen(session, instructor):
    room = services.room_ensure(session=session)
    person = f"user-{instructor.pk}"
    at = session.starts_at + dt.timedelta(minutes=1)
    assert _post(_event("user-joined", room, person, "MODERATOR", at)).status_code == 200
    _post(_event("user-left", room, person, "MODERATOR", at + dt.timedelta(minutes=5)))
    _post(_event("user-joined", room, person, "MODERATOR", at + dt.timedelta(minutes=6)))
    room.refresh_from_db()
    session.refresh_from_db()
    assert room.teaching_seen_at == at
    assert session.taught_at == at
    assert (
        AuditLogEntry.objects.filter(action="session.taught", object_id=str(session.pk)).count()
        == 1
    )


def test_a_viewer_alone_does_not_mark_the_session_taught(session, child):
    room = services.room_ensure(session=session)
    _post(_event("user-joined", room, f"learner-{child.pk}", "VIEWER", session.starts_at))
    session.refresh_from_db()
    room.refresh_from_db()
    assert session.taught_at is None
    assert room.teaching_seen_at is None


def test_the_poll_records_who_is_inside_and_who_left(session, child, guardian, instructor, clock):
    clock.current = session.starts_at
    room = services.room_ensure(session=session)
    meeting = server.meeting_get(room.meeting_id)
    assert meeting is not None
    # People inside whose join events were lost (no hook URL): the poll finds them.
    server.attendee_join(
        meeting, user_id=f"learner-{child.pk}", full_name="سارا", role="VIEWER", hook_url=""
    )
    meeting = server.meeting_get(room.meeting_id)
    assert meeting is not None
    token = server.attendee_join(
        meeting, user_id=f"user-{instructor.pk}", full_name="مریم", role="MODERATOR", hook_url=""
    )
    assert services.presence_poll() == 1
    assert PresenceInterval.objects.filter(left_at__isnull=True).count() == 2
    room.refresh_from_db()
    assert room.teaching_seen_at == clock()
    clock.advance(minutes=20)
    server.attendee_leave(token)
    services.presence_poll()
    rows = {p.person_key: p for p in selectors.session_presence(session=session)}
    assert (
        rows[f"user-{instructor.pk}"].minutes == 20 and not rows[f"user-{instructor.pk}"].inside_now
    )
    assert rows[f"learner-{child.pk}"].inside_now
    services.presence_poll()  # a second poll changes nothing
    assert PresenceInterval.objects.count() == 2


def test_the_poll_ends_a_room_the_server_forgot(session, child, clock):
    room = services.room_ensure(session=session)
    server.reset()
    services.presence_poll()
    room.refresh_from_db()
    assert room.ended_at is not None


def test_the_end_callback_ends_the_room_and_closes_intervals(session, child, guardian, settings):
    settings.KARGAH_SITE_URL = "http://testserver"
    _enter(guardian, session, child)
    room = Room.objects.get(session=session)
    client = signed_in(guardian)
    assert client.get(f"/class/bbb/ended/{room.pk}/wrong-token/").status_code == 404
    from kargah.classroom.bbb import bbb_client

    bbb_client().end(meeting_id=room.meeting_id)  # the fake calls our end callback
    room.refresh_from_db()
    assert room.ended_at is not None
    assert not PresenceInterval.objects.filter(left_at__isnull=True).exists()


def test_the_presence_page_is_for_the_instructor_only(session, child, guardian, instructor):
    _enter(guardian, session, child)
    page = signed_in(instructor).get(f"/class/session/{session.pk}/presence/")
    assert page.status_code == 200 and child.full_name in page.content.decode()
    assert signed_in(guardian).get(f"/class/session/{session.pk}/presence/").status_code == 404
