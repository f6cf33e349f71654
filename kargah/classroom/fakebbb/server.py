"""A BigBlueButton-compatible fake server for tests and the demo: checks checksums, keeps
meetings in the `fakebbb` cache (shared by every web process: Redis, or a folder in the
demo), answers in BBB's XML, and sends BBB's callbacks (the end callback and webhooks-style
join/leave events). Never for production: `check --deploy` refuses it (kargah.E011).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import xml.etree.ElementTree as ET  # builds XML, parses nothing
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from django.conf import settings
from django.core.cache import caches

from kargah.classroom.bbb import checksum

logger = logging.getLogger(__name__)
KEEP_SECONDS = 3 * 24 * 3600
CREATE_CALLS_KEY = "fakebbb:calls:create"
# BBB tells the algorithm by the checksum's length (supportedChecksumAlgorithms).
ALGORITHM_BY_LENGTH = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
# Set by tests to deliver callbacks in-process instead of over HTTP.
callback_transport: httpx.BaseTransport | None = None


def store() -> Any:
    return caches["fakebbb"]


def _meeting_key(meeting_id: str) -> str:
    return f"fakebbb:meeting:{meeting_id}"


def create_calls() -> int:
    """How many `create` calls reached the fake (for tests and `make bench-join`)."""
    return int(store().get(CREATE_CALLS_KEY) or 0)


def reset() -> None:
    store().clear()


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "text/xml; charset=utf-8"


def _xml(returncode: str, fields: dict[str, Any]) -> str:
    root = ET.Element("response")
    ET.SubElement(root, "returncode").text = returncode
    _fill(root, fields)
    return ET.tostring(root, encoding="unicode")


def _fill(parent: ET.Element, fields: dict[str, Any]) -> None:
    for tag, value in fields.items():
        child = ET.SubElement(parent, tag)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for item_tag, item in value:
                node = ET.SubElement(child, item_tag)
                _fill(node, item)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        else:
            child.text = str(value)


def failed(message_key: str, message: str) -> Answer:
    return Answer(200, _xml("FAILED", {"messageKey": message_key, "message": message}))


def verify(call: str, raw_query: str) -> tuple[dict[str, str], Answer | None]:
    """The parameters of a call, or BBB's checksumError answer."""
    pairs = raw_query.split("&") if raw_query else []
    given = [p.split("=", 1)[1] for p in pairs if p.startswith("checksum=")]
    query = "&".join(p for p in pairs if not p.startswith("checksum="))
    error = failed("checksumError", "You did not pass the checksum security check")
    if len(given) != 1 or len(given[0]) not in ALGORITHM_BY_LENGTH:
        return {}, error
    expected = checksum(call, query, settings.KARGAH_BBB_SECRET, ALGORITHM_BY_LENGTH[len(given[0])])
    if not secrets.compare_digest(expected, given[0].lower()):
        return {}, error
    return dict(parse_qsl(query, keep_blank_values=True)), None


def handle(call: str, raw_query: str) -> Answer:
    """Answers one API call (GET {base}/api/{call}?{query}) as BBB would."""
    delay = int(getattr(settings, "KARGAH_BBB_FAKE_DELAY_MS", 0) or 0)
    if delay:
        time.sleep(delay / 1000)
    if call == "":
        return Answer(200, _xml("SUCCESS", {"version": "2.0", "apiVersion": "2.0"}))
    handler = HANDLERS.get(call)
    if handler is None:
        return failed("unsupportedRequest", "This request is not supported.")
    params, error = verify(call, raw_query)
    if error is not None:
        return error
    return handler(params)


def meeting_get(meeting_id: str) -> dict[str, Any] | None:
    meeting = store().get(_meeting_key(meeting_id))
    return meeting if isinstance(meeting, dict) else None


def meeting_save(meeting: dict[str, Any]) -> None:
    store().set(_meeting_key(meeting["meeting_id"]), meeting, timeout=KEEP_SECONDS)


def _live(meeting_id: str) -> dict[str, Any] | None:
    meeting = meeting_get(meeting_id)
    return meeting if meeting is not None and not meeting["ended"] else None


def _create(params: dict[str, str]) -> Answer:
    meeting_id = params.get("meetingID", "")
    if not meeting_id:
        return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
    cache = store()
    cache.add(CREATE_CALLS_KEY, 0, timeout=KEEP_SECONDS)
    cache.incr(CREATE_CALLS_KEY)
    meeting = _live(meeting_id)
    duplicate = meeting is not None
    if meeting is None:
        meeting = {
            "meeting_id": meeting_id,
            "internal_id": secrets.token_hex(20) + f"-{int(time.time() * 1000)}",
            "name": params.get("name", meeting_id),
            "record": params.get("record", "false") == "true",
            "duration": int(params.get("duration", "0") or 0),
            "welcome": params.get("welcome", ""),
            "lock_private_chat": params.get("lockSettingsDisablePrivateChat") == "true",
            # BBB keeps meta_ names lowercased.
            "meta": {k[5:].lower(): v for k, v in params.items() if k.startswith("meta_")},
            "created_ms": int(time.time() * 1000),
            "attendees": {},
            "ended": False,
            "forcibly_ended": False,
        }
        meeting_save(meeting)
    fields: dict[str, Any] = {
        "meetingID": meeting_id,
        "internalMeetingID": meeting["internal_id"],
        "parentMeetingID": "bbb-none",
        "createTime": meeting["created_ms"],
        "voiceBridge": "70000",
        "dialNumber": "613-555-1234",
        "hasUserJoined": bool(meeting["attendees"]),
        "duration": meeting["duration"],
        "hasBeenForciblyEnded": meeting["forcibly_ended"],
    }
    if duplicate:
        fields["messageKey"] = "duplicateWarning"
        fields["message"] = (
            "This conference was already in existence and may currently be in progress."
        )
    return Answer(200, _xml("SUCCESS", fields))


def _not_found() -> Answer:
    return failed("notFound", "We could not find a meeting with that meeting ID")


def _is_meeting_running(params: dict[str, str]) -> Answer:
    meeting = _live(params.get("meetingID", ""))
    return Answer(200, _xml("SUCCESS", {"running": bool(meeting and meeting["attendees"])}))


def _get_meeting_info(params: dict[str, str]) -> Answer:
    meeting = _live(params.get("meetingID", ""))
    if meeting is None:
        return _not_found()
    attendees = [
        ("attendee", {"userID": a["user_id"], "fullName": a["full_name"], "role": a["role"]})
        for a in meeting["attendees"].values()
    ]
    moderators = sum(1 for a in meeting["attendees"].values() if a["role"] == "MODERATOR")
    fields = {
        "meetingName": meeting["name"],
        "meetingID": meeting["meeting_id"],
        "internalMeetingID": meeting["internal_id"],
        "createTime": meeting["created_ms"],
        "running": bool(meeting["attendees"]),
        "recording": meeting["record"],
        "hasBeenForciblyEnded": meeting["forcibly_ended"],
        "participantCount": len(attendees),
        "moderatorCount": moderators,
        "attendees": attendees,
        "metadata": meeting["meta"],
    }
    return Answer(200, _xml("SUCCESS", fields))


def _end(params: dict[str, str]) -> Answer:
    meeting = _live(params.get("meetingID", ""))
    if meeting is None:
        return _not_found()
    meeting_end(meeting, forcibly=True)
    return Answer(
        200,
        _xml(
            "SUCCESS",
            {
                "messageKey": "sentEndMeetingRequest",
                "message": "A request to end the meeting was sent.",
            },
        ),
    )


def meeting_end(meeting: dict[str, Any], *, forcibly: bool) -> None:
    """Ends the meeting: everyone leaves, a recording appears when it recorded, and the end
    callback (meta_endCallbackUrl) is called with meetingID and recordingmarks, as BBB does."""
    hook_url = meeting.get("hook_url", "")
    for attendee in list(meeting["attendees"].values()):
        if hook_url:
            send_event(hook_url, "user-left", meeting, attendee)
    meeting["attendees"] = {}
    meeting["ended"] = True
    meeting["forcibly_ended"] = forcibly
    meeting_save(meeting)
    if meeting["record"]:
        _recording_add(meeting)
    end_url = meeting["meta"].get("endcallbackurl", "")
    if end_url:
        separator = "&" if "?" in end_url else "?"
        query = f"meetingID={meeting['meeting_id']}&recordingmarks=false"
        _deliver("GET", f"{end_url}{separator}{query}")


def _recording_add(meeting: dict[str, Any]) -> None:
    record_id = meeting["internal_id"]
    now_ms = int(time.time() * 1000)
    recording = {
        "record_id": record_id,
        "meeting_id": meeting["meeting_id"],
        "name": meeting["name"],
        "published": True,
        "start_ms": meeting["created_ms"],
        "end_ms": now_ms,
        "url": f"/fake-bbb/playback/presentation/2.3/{record_id}",
    }
    cache = store()
    key = f"fakebbb:recordings:{meeting['meeting_id']}"
    cache.set(key, [*(cache.get(key) or []), recording], timeout=KEEP_SECONDS)
    cache.set(f"fakebbb:record:{record_id}", meeting["meeting_id"], timeout=KEEP_SECONDS)


def recording_get(record_id: str) -> dict[str, Any] | None:
    meeting_id = store().get(f"fakebbb:record:{record_id}")
    for recording in store().get(f"fakebbb:recordings:{meeting_id}") or []:
        if recording["record_id"] == record_id:
            return dict(recording)
    return None


def _recordings_of(meeting_ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for meeting_id in meeting_ids:
        found.extend(store().get(f"fakebbb:recordings:{meeting_id}") or [])
    return found


def _get_recordings(params: dict[str, str]) -> Answer:
    meeting_ids = [m for m in params.get("meetingID", "").split(",") if m]
    recordings = _recordings_of(meeting_ids)
    items = [
        (
            "recording",
            {
                "recordID": r["record_id"],
                "meetingID": r["meeting_id"],
                "name": r["name"],
                "published": r["published"],
                "state": "published" if r["published"] else "unpublished",
                "startTime": r["start_ms"],
                "endTime": r["end_ms"],
                "playback": [
                    (
                        "format",
                        {
                            "type": "presentation",
                            "url": r["url"],
                            "length": max(1, (r["end_ms"] - r["start_ms"]) // 60000),
                        },
                    )
                ],
            },
        )
        for r in recordings
    ]
    fields: dict[str, Any] = {"recordings": items}
    if not items:
        fields["messageKey"] = "noRecordings"
        fields["message"] = "There are no recordings for the meeting(s)."
    return Answer(200, _xml("SUCCESS", fields))


def _records_update(record_ids: list[str], change: dict[str, Any] | None) -> bool:
    """Applies `change` to each recording (None deletes it); False when none was found."""
    cache = store()
    touched = False
    for record_id in record_ids:
        meeting_id = cache.get(f"fakebbb:record:{record_id}")
        key = f"fakebbb:recordings:{meeting_id}"
        kept = []
        for recording in cache.get(key) or []:
            if recording["record_id"] == record_id:
                touched = True
                if change is None:
                    continue
                recording = {**recording, **change}
            kept.append(recording)
        cache.set(key, kept, timeout=KEEP_SECONDS)
    return touched


def _publish_recordings(params: dict[str, str]) -> Answer:
    publish = params.get("publish", "") == "true"
    ids = [r for r in params.get("recordID", "").split(",") if r]
    if not _records_update(ids, {"published": publish}):
        return failed("notFound", "We could not find recordings")
    return Answer(200, _xml("SUCCESS", {"published": publish}))


def _delete_recordings(params: dict[str, str]) -> Answer:
    ids = [r for r in params.get("recordID", "").split(",") if r]
    if not _records_update(ids, None):
        return failed("notFound", "We could not find recordings")
    return Answer(200, _xml("SUCCESS", {"deleted": True}))


HANDLERS = {
    "create": _create,
    "isMeetingRunning": _is_meeting_running,
    "getMeetingInfo": _get_meeting_info,
    "end": _end,
    "getRecordings": _get_recordings,
    "publishRecordings": _publish_recordings,
    "deleteRecordings": _delete_recordings,
}


# --- the room: joins and leaves, and the events they send -----------------------------


def attendee_join(
    meeting: dict[str, Any], *, user_id: str, full_name: str, role: str, hook_url: str
) -> str:
    """Puts the person in the meeting and sends `user-joined`; returns their room token."""
    token = secrets.token_urlsafe(16)
    attendee = {
        "user_id": user_id or f"anonymous-{token[:6]}",
        "internal_user_id": f"w_{secrets.token_hex(6)}",
        "full_name": full_name,
        "role": "MODERATOR" if role.upper() == "MODERATOR" else "VIEWER",
        "joined_ms": int(time.time() * 1000),
    }
    meeting["attendees"][token] = attendee
    meeting["hook_url"] = hook_url
    meeting_save(meeting)
    store().set(f"fakebbb:token:{token}", meeting["meeting_id"], timeout=KEEP_SECONDS)
    send_event(hook_url, "user-joined", meeting, attendee)
    return token


def attendee_of(token: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    meeting_id = store().get(f"fakebbb:token:{token}")
    meeting = meeting_get(meeting_id) if isinstance(meeting_id, str) else None
    if meeting is None:
        return None, None
    return meeting, meeting["attendees"].get(token)


def attendee_leave(token: str) -> dict[str, Any] | None:
    meeting, attendee = attendee_of(token)
    if meeting is None or attendee is None:
        return meeting
    del meeting["attendees"][token]
    meeting_save(meeting)
    send_event(meeting.get("hook_url", ""), "user-left", meeting, attendee)
    return meeting


def event_body(event_id: str, meeting: dict[str, Any], attendee: dict[str, Any]) -> str:
    """One event as bbb-webhooks posts it: a form with `event` (a JSON array) and
    `timestamp`."""
    from urllib.parse import urlencode

    now_ms = int(time.time() * 1000)
    event = {
        "data": {
            "type": "event",
            "id": event_id,
            "attributes": {
                "meeting": {
                    "internal-meeting-id": meeting["internal_id"],
                    "external-meeting-id": meeting["meeting_id"],
                },
                "user": {
                    "internal-user-id": attendee["internal_user_id"],
                    "external-user-id": attendee["user_id"],
                    "name": attendee["full_name"],
                    "role": attendee["role"],
                    "presenter": False,
                },
            },
            "event": {"ts": now_ms},
        }
    }
    return urlencode({"event": json.dumps([event]), "timestamp": str(now_ms)})


def signed_hook_url(hook_url: str, body: str) -> str:
    """The hook URL with `checksum` = hex(sha(hook URL + body + secret)) added, the way the
    webhooks app signs its calls (docs/classroom.md)."""
    signature = checksum(hook_url, body, settings.KARGAH_BBB_SECRET, settings.KARGAH_BBB_CHECKSUM)
    separator = "&" if "?" in hook_url else "?"
    return f"{hook_url}{separator}checksum={signature}"


def send_event(
    hook_url: str, event_id: str, meeting: dict[str, Any], attendee: dict[str, Any]
) -> None:
    if not hook_url:
        return
    body = event_body(event_id, meeting, attendee)
    _deliver(
        "POST",
        signed_hook_url(hook_url, body),
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def _deliver(method: str, url: str, **kwargs: Any) -> None:
    """Sends one callback; a receiver that fails is logged, as BBB does, never raised."""
    try:
        with httpx.Client(transport=callback_transport, timeout=5.0) as client:
            response = client.request(method, url, **kwargs)
        if response.status_code >= 300:
            logger.warning("fakebbb callback %s: HTTP %s", method, response.status_code)
    except Exception as exc:  # a bad URL or a receiver that fails: logged, as BBB does
        logger.warning("fakebbb callback %s: %s", method, type(exc).__name__)
