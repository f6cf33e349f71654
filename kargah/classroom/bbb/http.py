"""The BigBlueButton API over HTTP (httpx), with timeouts and the shared circuit breaker."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET  # the Element type only; parsing is defusedxml
from collections.abc import Callable
from typing import TypeVar

import httpx
from defusedxml import ElementTree as SafeET
from django.conf import settings

from kargah.classroom.bbb import (
    Attendee,
    BBBFailed,
    BBBUnavailable,
    MeetingCreated,
    MeetingInfo,
    Playback,
    Recording,
    breaker,
    checksum,
    query_string,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Answers of these message keys are FAILED but mean "no such meeting": not an error for us.
NOT_FOUND_KEYS = frozenset({"notFound", "invalidMeetingIdentifier"})


def _text(element: ET.Element, tag: str, default: str = "") -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None and found.text else default


def _bool(element: ET.Element, tag: str) -> bool:
    return _text(element, tag).lower() == "true"


def _int(element: ET.Element, tag: str) -> int:
    try:
        return int(_text(element, tag, "0"))
    except ValueError:
        return 0


def parse_response(body: bytes | str) -> ET.Element:
    """The <response> element of an answer; BBBUnavailable for anything that is not one."""
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # ParseError, or defusedxml's refusal of entities
        raise BBBUnavailable(f"not XML: {type(exc).__name__}") from None
    if root.tag != "response" or root.find("returncode") is None:
        raise BBBUnavailable("not a BBB answer")
    return root


def failed(root: ET.Element) -> bool:
    return _text(root, "returncode") != "SUCCESS"


def parse_create(root: ET.Element) -> MeetingCreated:
    return MeetingCreated(
        meeting_id=_text(root, "meetingID"),
        internal_meeting_id=_text(root, "internalMeetingID"),
        duplicate=_text(root, "messageKey") == "duplicateWarning",
    )


def parse_meeting_info(root: ET.Element) -> MeetingInfo:
    attendees = [
        Attendee(
            user_id=_text(node, "userID"),
            full_name=_text(node, "fullName"),
            role=_text(node, "role").upper(),
        )
        for node in root.findall("attendees/attendee")
    ]
    return MeetingInfo(
        meeting_id=_text(root, "meetingID"),
        internal_meeting_id=_text(root, "internalMeetingID"),
        running=_bool(root, "running"),
        has_been_forcibly_ended=_bool(root, "hasBeenForciblyEnded"),
        attendees=attendees,
    )


def parse_recordings(root: ET.Element) -> list[Recording]:
    recordings = []
    for node in root.findall("recordings/recording"):
        playbacks = [
            Playback(
                type=_text(fmt, "type"), url=_text(fmt, "url"), length_minutes=_int(fmt, "length")
            )
            for fmt in node.findall("playback/format")
        ]
        recordings.append(
            Recording(
                record_id=_text(node, "recordID"),
                meeting_id=_text(node, "meetingID"),
                published=_bool(node, "published"),
                state=_text(node, "state"),
                start_ms=_int(node, "startTime"),
                end_ms=_int(node, "endTime"),
                playbacks=playbacks,
            )
        )
    return recordings


class HttpBBBClient:
    """One BBB server or a Scalelite pool at `base_url` (…/bigbluebutton/)."""

    def __init__(
        self,
        *,
        base_url: str,
        secret: str,
        algorithm: str = "sha256",
        transport: httpx.BaseTransport | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._secret = secret
        self.algorithm = algorithm
        # Tests pass the fake's in-process transport or an httpx.MockTransport.
        self._transport = transport or _default_transport
        connect = connect_timeout or settings.KARGAH_BBB_CONNECT_TIMEOUT_SECONDS
        read = read_timeout or settings.KARGAH_BBB_READ_TIMEOUT_SECONDS
        self._timeout = httpx.Timeout(read, connect=connect)

    def url(self, call: str, params: dict[str, str]) -> str:
        query = query_string(params)
        signature = checksum(call, query, self._secret, self.algorithm)
        separator = "&" if query else ""
        return f"{self.base_url}api/{call}?{query}{separator}checksum={signature}"

    def _call(self, call: str, params: dict[str, str], parse: Callable[[ET.Element], T]) -> T:
        """Makes one call through the breaker; a FAILED answer raises BBBFailed unless
        `parse` accepts it (it is then given the FAILED root)."""
        if not self._secret or not self.base_url.startswith(("http://", "https://")):
            raise BBBUnavailable("KARGAH_BBB_URL or KARGAH_BBB_SECRET is not set")
        try:
            breaker.before_call()
        except breaker.CircuitOpen:
            raise BBBUnavailable(f"{call}: circuit open") from None
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as client:
                response = client.get(self.url(call, params))
            if response.status_code >= 500:
                raise BBBUnavailable(f"{call}: HTTP {response.status_code}")
            root = parse_response(response.content)
        except httpx.TimeoutException:
            breaker.record_failure()
            logger.warning("bbb %s: timed out", call)
            raise BBBUnavailable(f"{call}: timed out") from None
        except httpx.HTTPError as exc:
            breaker.record_failure()
            logger.warning("bbb %s: %s", call, type(exc).__name__)
            raise BBBUnavailable(f"{call}: {type(exc).__name__}") from None
        except BBBUnavailable as exc:
            breaker.record_failure()
            logger.warning("bbb %s: %s", call, exc.detail)
            raise
        breaker.record_success()
        return parse(root)

    def _success(self, call: str) -> Callable[[ET.Element], ET.Element]:
        def check(root: ET.Element) -> ET.Element:
            if failed(root):
                key = _text(root, "messageKey")
                logger.warning("bbb %s refused: %s", call, key)
                raise BBBFailed(f"{call}: {key}", message_key=key)
            return root

        return check

    def create(self, *, meeting_id: str, name: str, params: dict[str, str]) -> MeetingCreated:
        root = self._call(
            "create", {"name": name, "meetingID": meeting_id, **params}, self._success("create")
        )
        return parse_create(root)

    def join_url(self, *, meeting_id: str, full_name: str, role: str, user_id: str) -> str:
        """The signed join URL (BBB 2.4+: `role`; older servers ignore it and Scalelite
        passes it on). Built fresh for each click, never stored."""
        return self.url(
            "join",
            {
                "fullName": full_name,
                "meetingID": meeting_id,
                "role": role,
                "userID": user_id,
                "redirect": "true",
            },
        )

    def end(self, *, meeting_id: str) -> None:
        def parse(root: ET.Element) -> None:
            if failed(root) and _text(root, "messageKey") not in NOT_FOUND_KEYS:
                self._success("end")(root)

        self._call("end", {"meetingID": meeting_id}, parse)

    def is_meeting_running(self, *, meeting_id: str) -> bool:
        root = self._call(
            "isMeetingRunning", {"meetingID": meeting_id}, self._success("isMeetingRunning")
        )
        return _bool(root, "running")

    def get_meeting_info(self, *, meeting_id: str) -> MeetingInfo | None:
        def parse(root: ET.Element) -> MeetingInfo | None:
            if failed(root):
                if _text(root, "messageKey") in NOT_FOUND_KEYS:
                    return None
                self._success("getMeetingInfo")(root)
            return parse_meeting_info(root)

        return self._call("getMeetingInfo", {"meetingID": meeting_id}, parse)

    def get_recordings(self, *, meeting_id: str) -> list[Recording]:
        root = self._call(
            "getRecordings", {"meetingID": meeting_id}, self._success("getRecordings")
        )
        return parse_recordings(root)

    def publish_recordings(self, *, record_ids: list[str], publish: bool) -> bool:
        root = self._call(
            "publishRecordings",
            {"recordID": ",".join(record_ids), "publish": "true" if publish else "false"},
            self._success("publishRecordings"),
        )
        return _bool(root, "published") == publish

    def delete_recordings(self, *, record_ids: list[str]) -> bool:
        root = self._call(
            "deleteRecordings",
            {"recordID": ",".join(record_ids)},
            self._success("deleteRecordings"),
        )
        return _bool(root, "deleted")


# Set by tests (and only by tests) to route every client to the in-process fake.
_default_transport: httpx.BaseTransport | None = None
