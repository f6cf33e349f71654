"""The BigBlueButton client: checksums as BBB documents them, XML answers parsed, failures
typed and counted by the circuit breaker."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kargah.classroom.bbb import BBBFailed, BBBUnavailable, breaker, checksum
from kargah.classroom.bbb.http import HttpBBBClient

DOC_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
DOC_QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"

CREATE_ANSWER = """<response>
  <returncode>SUCCESS</returncode>
  <meetingID>abc123</meetingID>
  <internalMeetingID>183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1531240585189</internalMeetingID>
  <parentMeetingID>bbb-none</parentMeetingID>
  <attendeePW>111222</attendeePW>
  <moderatorPW>333444</moderatorPW>
  <createTime>1531240585189</createTime>
  <voiceBridge>70066</voiceBridge>
  <dialNumber>613-555-1234</dialNumber>
  <createDate>Tue Jul 10 16:36:25 UTC 2018</createDate>
  <hasUserJoined>false</hasUserJoined>
  <duration>0</duration>
  <hasBeenForciblyEnded>false</hasBeenForciblyEnded>
  <messageKey>duplicateWarning</messageKey>
  <message>This conference was already in existence and may currently be in progress.</message>
</response>"""

MEETING_INFO_ANSWER = """<response>
  <returncode>SUCCESS</returncode>
  <meetingName>Demo Meeting</meetingName>
  <meetingID>abc123</meetingID>
  <internalMeetingID>183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1531240585189</internalMeetingID>
  <createTime>1531240585189</createTime>
  <running>true</running>
  <duration>0</duration>
  <hasUserJoined>true</hasUserJoined>
  <recording>false</recording>
  <hasBeenForciblyEnded>false</hasBeenForciblyEnded>
  <participantCount>2</participantCount>
  <moderatorCount>1</moderatorCount>
  <attendees>
    <attendee>
      <userID>user-7</userID>
      <fullName>مریم مربی</fullName>
      <role>MODERATOR</role>
      <isPresenter>true</isPresenter>
      <isListeningOnly>false</isListeningOnly>
      <hasJoinedVoice>true</hasJoinedVoice>
      <hasVideo>true</hasVideo>
      <clientType>HTML5</clientType>
    </attendee>
    <attendee>
      <userID>learner-12</userID>
      <fullName>سارا احمدی</fullName>
      <role>VIEWER</role>
      <isPresenter>false</isPresenter>
      <clientType>HTML5</clientType>
    </attendee>
  </attendees>
  <metadata><kargah-session>5</kargah-session></metadata>
  <isBreakout>false</isBreakout>
</response>"""

RECORDINGS_ANSWER = """<response>
  <returncode>SUCCESS</returncode>
  <recordings>
    <recording>
      <recordID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</recordID>
      <meetingID>abc123</meetingID>
      <internalMeetingID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</internalMeetingID>
      <name>Session 1</name>
      <isBreakout>false</isBreakout>
      <published>true</published>
      <state>published</state>
      <startTime>1530718721134</startTime>
      <endTime>1530718810456</endTime>
      <participants>3</participants>
      <metadata><isBreakout>false</isBreakout></metadata>
      <playback>
        <format>
          <type>presentation</type>
          <url>https://bbb.example.ir/playback/presentation/2.3/ffbfc4cc-1530718721124</url>
          <processingTime>7177</processingTime>
          <length>0</length>
        </format>
      </playback>
    </recording>
  </recordings>
</response>"""


def _client(handler, **kwargs) -> HttpBBBClient:
    return HttpBBBClient(
        base_url="https://bbb.example.ir/bigbluebutton/",
        secret=DOC_SECRET,
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def _answer(body: str, status: int = 200):
    return lambda request: httpx.Response(status, text=body)


def test_the_documented_sha1_checksum_example():
    assert checksum("create", DOC_QUERY, DOC_SECRET, "sha1") == (
        "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )


def test_the_client_signs_the_documented_query_with_sha1_and_sha256():
    params = {
        "name": "Test Meeting",
        "meetingID": "abc123",
        "attendeePW": "111222",
        "moderatorPW": "333444",
    }
    sha1 = _client(_answer(""), algorithm="sha1").url("create", params)
    assert sha1.endswith(f"?{DOC_QUERY}&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17")
    sha256 = _client(_answer("")).url("create", params)
    expected = hashlib.sha256(f"create{DOC_QUERY}{DOC_SECRET}".encode()).hexdigest()
    assert sha256.endswith(f"&checksum={expected}") and len(expected) == 64


def test_a_join_url_is_signed_and_carries_role_and_our_user_id():
    url = _client(_answer("")).join_url(
        meeting_id="abc123", full_name="سارا احمدی", role="VIEWER", user_id="learner-12"
    )
    parts = urlsplit(url)
    assert parts.path == "/bigbluebutton/api/join"
    query = parts.query.rsplit("&checksum=", 1)[0]
    signature = parts.query.rsplit("&checksum=", 1)[1]
    assert signature == hashlib.sha256(f"join{query}{DOC_SECRET}".encode()).hexdigest()
    params = parse_qs(parts.query)
    assert params["fullName"] == ["سارا احمدی"]
    assert params["role"] == ["VIEWER"] and params["userID"] == ["learner-12"]


def test_create_parses_bbbs_answer():
    created = _client(_answer(CREATE_ANSWER)).create(meeting_id="abc123", name="x", params={})
    assert created.meeting_id == "abc123"
    assert created.internal_meeting_id.endswith("-1531240585189")
    assert created.duplicate


def test_get_meeting_info_parses_attendees_and_not_found_is_none():
    info = _client(_answer(MEETING_INFO_ANSWER)).get_meeting_info(meeting_id="abc123")
    assert info is not None and info.running
    assert [(a.user_id, a.role) for a in info.attendees] == [
        ("user-7", "MODERATOR"),
        ("learner-12", "VIEWER"),
    ]
    assert info.attendees[1].full_name == "سارا احمدی"
    not_found = (
        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
        "<message>We could not find a meeting with that meeting ID</message></response>"
    )
    assert _client(_answer(not_found)).get_meeting_info(meeting_id="abc123") is None


def test_get_recordings_parses_playback():
    [recording] = _client(_answer(RECORDINGS_ANSWER)).get_recordings(meeting_id="abc123")
    assert recording.published and recording.state == "published"
    assert recording.playbacks[0].type == "presentation"
    assert recording.playbacks[0].url.startswith("https://bbb.example.ir/playback/")


def test_a_failed_answer_is_a_typed_error_with_bbbs_message_key():
    body = (
        "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
        "<message>You did not pass the checksum security check</message></response>"
    )
    with pytest.raises(BBBFailed) as raised:
        _client(_answer(body)).create(meeting_id="abc123", name="x", params={})
    assert raised.value.message_key == "checksumError"
    assert raised.value.http_status == 503
    # A refusal is an answer: the server works, the breaker does not count it.
    assert not breaker.is_open()


def _persian(error: Exception) -> str:
    from django.utils import translation

    with translation.override("fa"):
        return str(getattr(error, "message", ""))


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


@pytest.mark.parametrize(
    "handler",
    [_timeout, _refused, _answer("<html>Bad gateway</html>", 502), _answer("not xml at all")],
    ids=["timeout", "refused", "5xx", "not-xml"],
)
def test_an_unreachable_server_is_unavailable_in_persian(handler, settings):
    settings.KARGAH_BBB_BREAKER_FAILURES = 100
    with pytest.raises(BBBUnavailable) as raised:
        _client(handler).is_meeting_running(meeting_id="abc123")
    assert "کلاس آنلاین اکنون در دسترس نیست" in _persian(raised.value)


def test_an_xml_bomb_is_refused_not_expanded():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><response><returncode>&b;</returncode></response>'
    )
    with pytest.raises(BBBUnavailable):
        _client(_answer(bomb)).is_meeting_running(meeting_id="abc123")


def test_the_breaker_opens_after_n_failures_and_then_fails_fast(settings):
    settings.KARGAH_BBB_BREAKER_FAILURES = 3
    settings.KARGAH_BBB_BREAKER_SECONDS = 30
    calls: list[str] = []

    def refused(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("refused", request=request)

    client = _client(refused)
    for _ in range(3):
        with pytest.raises(BBBUnavailable):
            client.is_meeting_running(meeting_id="abc123")
    assert breaker.is_open()
    with pytest.raises(BBBUnavailable) as raised:
        client.is_meeting_running(meeting_id="abc123")
    assert raised.value.detail.endswith("circuit open")
    assert len(calls) == 3  # the fourth never reached the server


def test_the_breaker_half_opens_one_trial_that_closes_it(settings, monkeypatch):
    settings.KARGAH_BBB_BREAKER_FAILURES = 1
    settings.KARGAH_BBB_BREAKER_SECONDS = 30
    with pytest.raises(BBBUnavailable):
        _client(_refused).is_meeting_running(meeting_id="abc123")
    assert breaker.is_open()
    later = time.time() + 31
    monkeypatch.setattr(breaker.time, "time", lambda: later)
    running = "<response><returncode>SUCCESS</returncode><running>true</running></response>"
    # The first caller after the pause makes the trial; a second at the same moment
    # still fails fast.
    breaker.before_call()
    with pytest.raises(breaker.CircuitOpen):
        breaker.before_call()
    breaker.reset()
    monkeypatch.setattr(breaker.time, "time", lambda: later)
    settings.KARGAH_BBB_BREAKER_FAILURES = 1
    with pytest.raises(BBBUnavailable):
        _client(_refused).is_meeting_running(meeting_id="abc123")
    monkeypatch.setattr(breaker.time, "time", lambda: later + 31)
    assert _client(_answer(running)).is_meeting_running(meeting_id="abc123") is True
    assert not breaker.is_open()


def test_a_failed_trial_opens_the_breaker_again(settings, monkeypatch):
    settings.KARGAH_BBB_BREAKER_FAILURES = 1
    with pytest.raises(BBBUnavailable):
        _client(_refused).is_meeting_running(meeting_id="abc123")
    later = time.time() + settings.KARGAH_BBB_BREAKER_SECONDS + 1
    monkeypatch.setattr(breaker.time, "time", lambda: later)
    with pytest.raises(BBBUnavailable) as raised:
        _client(_refused).is_meeting_running(meeting_id="abc123")
    assert "circuit open" not in raised.value.detail  # the trial reached the server
    assert breaker.is_open()


def test_missing_settings_are_unavailable_not_a_crash():
    client = HttpBBBClient(base_url="", secret="")
    with pytest.raises(BBBUnavailable):
        client.is_meeting_running(meeting_id="abc123")


def test_a_cache_that_is_down_leaves_the_breaker_closed(monkeypatch):
    from kargah.testing.faults import DownRedisCache

    monkeypatch.setattr(breaker, "cache", DownRedisCache("redis://127.0.0.1:1/0", {}))
    running = "<response><returncode>SUCCESS</returncode><running>true</running></response>"
    assert _client(_answer(running)).is_meeting_running(meeting_id="abc123") is True
    with pytest.raises(BBBUnavailable):
        _client(_refused).is_meeting_running(meeting_id="abc123")


def test_signed_urls_never_reach_the_logs(caplog):
    import logging

    from kargah.classroom.logs import SignedUrlFilter

    logger = logging.getLogger("httpx")
    logger.addFilter(SignedUrlFilter())  # as config/settings/base.py's LOGGING does
    caplog.set_level(logging.DEBUG)
    try:
        _client(_answer(CREATE_ANSWER)).create(
            meeting_id="abc123", name="x", params={"moderatorPW": "s3cret-pw"}
        )
    finally:
        logger.filters.clear()
    assert any(r.name == "httpx" for r in caplog.records)
    assert "s3cret-pw" not in caplog.text and "checksum=" not in caplog.text
