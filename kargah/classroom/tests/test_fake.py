"""The fake BBB server: mounted only with KARGAH_BBB_FAKE, checks checksums like BBB,
answers in BBB's XML, and keeps recordings the client can publish and delete."""

from __future__ import annotations

import pytest
from django.test import Client

from kargah.classroom.bbb import BBBFailed, bbb_client, checksum
from kargah.classroom.bbb.http import HttpBBBClient, parse_response
from kargah.classroom.fakebbb import server

pytestmark = pytest.mark.django_db


def test_a_wrong_checksum_is_refused_with_bbbs_answer(settings):
    query = "meetingID=abc123"
    good = checksum("isMeetingRunning", query, settings.KARGAH_BBB_SECRET, "sha256")
    client = Client()
    ok = client.get(f"/fake-bbb/bigbluebutton/api/isMeetingRunning?{query}&checksum={good}")
    assert b"<returncode>SUCCESS</returncode>" in ok.content
    bad = client.get(f"/fake-bbb/bigbluebutton/api/isMeetingRunning?{query}&checksum={'0' * 64}")
    root = parse_response(bad.content)
    assert root.findtext("returncode") == "FAILED"
    assert root.findtext("messageKey") == "checksumError"
    missing = client.get(f"/fake-bbb/bigbluebutton/api/isMeetingRunning?{query}")
    assert b"checksumError" in missing.content


def test_a_client_with_the_wrong_secret_is_refused(settings):
    client = HttpBBBClient(base_url=settings.KARGAH_BBB_URL, secret="not-the-secret")
    with pytest.raises(BBBFailed) as raised:
        client.create(meeting_id="abc123", name="x", params={})
    assert raised.value.message_key == "checksumError"


def test_sha1_is_accepted_as_bbb_does(settings):
    client = HttpBBBClient(
        base_url=settings.KARGAH_BBB_URL, secret=settings.KARGAH_BBB_SECRET, algorithm="sha1"
    )
    assert client.create(meeting_id="abc123", name="x", params={}).meeting_id == "abc123"


def test_create_is_idempotent_like_bbbs():
    client = bbb_client()
    first = client.create(meeting_id="abc123", name="x", params={})
    second = client.create(meeting_id="abc123", name="x", params={})
    assert not first.duplicate and second.duplicate
    assert first.internal_meeting_id == second.internal_meeting_id
    assert server.create_calls() == 2


def test_recordings_publish_and_delete():
    client = bbb_client()
    client.create(meeting_id="abc123", name="x", params={"record": "true"})
    assert client.get_recordings(meeting_id="abc123") == []
    client.end(meeting_id="abc123")
    [recording] = client.get_recordings(meeting_id="abc123")
    assert client.publish_recordings(record_ids=[recording.record_id], publish=False)
    assert not client.get_recordings(meeting_id="abc123")[0].published
    assert client.delete_recordings(record_ids=[recording.record_id])
    assert client.get_recordings(meeting_id="abc123") == []
    with pytest.raises(BBBFailed):
        client.delete_recordings(record_ids=[recording.record_id])


def test_end_of_an_unknown_meeting_is_no_error_and_is_meeting_running():
    client = bbb_client()
    client.end(meeting_id="nobody")
    client.create(meeting_id="abc123", name="x", params={})
    assert client.is_meeting_running(meeting_id="abc123") is False  # nobody joined yet


def test_a_join_url_with_a_wrong_checksum_shows_no_room():
    response = Client().get(
        "/fake-bbb/bigbluebutton/api/join?fullName=x&meetingID=abc123&checksum=00"
    )
    assert b"checksumError" in response.content


def test_the_fake_is_not_mounted_without_the_setting(settings):
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    assert Client().get("/fake-bbb/bigbluebutton/api/").status_code == 200
    settings.KARGAH_BBB_FAKE = False
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert Client().get("/fake-bbb/bigbluebutton/api/").status_code == 404
    finally:
        settings.KARGAH_BBB_FAKE = True
        importlib.reload(config.urls)
        clear_url_caches()
