"""Rooms: created on the classroom server once per session, with the agreement's rules in
their settings (R6, R11), our ids in meta_ fields and the end callback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Session
from kargah.classroom import services
from kargah.classroom.bbb import BBBUnavailable
from kargah.classroom.fakebbb import server
from kargah.classroom.fakebbb.transport import FakeBBBTransport
from kargah.classroom.models import ClassroomSettings, Room
from kargah.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_the_first_join_creates_the_room_with_the_agreements_rules(
    session: Session, fake_bbb: FakeBBBTransport, clock: Clock
):
    room = services.room_ensure(session=session, site_url="https://kargah.example.ir")
    assert room.is_open and server.create_calls() == 1
    meeting = server.meeting_get(room.meeting_id)
    assert meeting is not None
    assert meeting["lock_private_chat"] is True  # R11
    assert "چت" in meeting["welcome"] and "اخلاق اسلامی" in meeting["welcome"]  # R11, R6
    assert meeting["meta"]["kargah-session"] == str(session.pk)
    assert meeting["meta"]["kargah-offering"] == str(session.offering_id)
    assert meeting["meta"]["kargah-center"] == str(session.offering.center_id)
    end_url = meeting["meta"]["endcallbackurl"]
    assert end_url.startswith(f"https://kargah.example.ir/class/bbb/ended/{room.pk}/")
    # It ends the grace time (30 minutes) after the session, counted from now.
    minutes = (session.ends_at - clock() + dt.timedelta(minutes=30)).total_seconds() / 60
    assert meeting["duration"] == int(minutes)
    assert meeting["record"] is False
    assert AuditLogEntry.objects.filter(action="room.opened", object_id=str(room.pk)).exists()


def test_the_rooms_name_and_welcome_are_persian_whoever_opens_it(session: Session):
    """The first clicker's language (English here) does not become everyone's: the name and
    the welcome are Persian, with Persian digits."""
    session.number = 12
    session.save(update_fields=["number"])
    with translation.override("en"):
        room = services.room_ensure(session=session)
    meeting = server.meeting_get(room.meeting_id)
    assert meeting is not None
    title = session.offering.course.title
    assert meeting["name"] == f"{title}، جلسه ۱۲"
    assert "۱۲" in meeting["welcome"] and "12" not in meeting["welcome"]


def test_the_meeting_id_is_ours_and_not_guessable(session: Session):
    room = services.room_ensure(session=session)
    assert room.meeting_id.startswith("kargah-") and len(room.meeting_id) >= 39
    assert str(session.pk) not in room.meeting_id.removeprefix("kargah-")[:4]


def test_a_second_ensure_makes_no_second_create(session: Session):
    first = services.room_ensure(session=session)
    second = services.room_ensure(session=session)
    assert first.pk == second.pk and server.create_calls() == 1


def test_recording_follows_the_offerings_classroom_setting(session: Session):
    ClassroomSettings.objects.create(offering=session.offering, records=True)
    room = services.room_ensure(session=session)
    assert room.records
    assert server.meeting_get(room.meeting_id)["record"] is True  # type: ignore[index]


def test_the_default_recording_setting_comes_from_settings(session: Session, settings):
    settings.KARGAH_ROOM_RECORD_DEFAULT = True
    assert services.room_ensure(session=session).records


def test_a_room_that_ended_is_created_again_for_a_later_join(session: Session):
    room = services.room_ensure(session=session)
    services.room_end_record(room=room)
    room = services.room_ensure(session=session)
    assert room.is_open and server.create_calls() == 2
    assert AuditLogEntry.objects.filter(action="room.reopened").count() == 1


def test_a_server_that_is_down_creates_nothing(session: Session, monkeypatch):
    def down(**kwargs):
        raise BBBUnavailable("down")

    class Down:
        create = staticmethod(down)

    with pytest.raises(BBBUnavailable):
        services.room_ensure(session=session, client=Down())  # type: ignore[arg-type]
    room = Room.objects.get(session=session)
    assert room.opened_at is None  # the next join tries again
    assert not AuditLogEntry.objects.filter(action="room.opened").exists()
