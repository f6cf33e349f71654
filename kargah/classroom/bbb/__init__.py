"""The BigBlueButton API behind one small interface; the same API is spoken by Scalelite.

Every call is `GET {base}/api/{call}?{query}&checksum={hex(sha(call + query + secret))}`
(docs.bigbluebutton.org, "API security model"), sha256 by default, sha1 by setting
(`KARGAH_BBB_CHECKSUM`). Answers are XML with `returncode` SUCCESS or FAILED and a
`messageKey`. `join` is not a call: it is a signed URL the person's browser opens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kargah.core.errors import DomainError

CHECKSUM_ALGORITHMS = frozenset({"sha1", "sha256", "sha384", "sha512"})
MODERATOR = "MODERATOR"
VIEWER = "VIEWER"


def checksum(call: str, query: str, secret: str, algorithm: str = "sha256") -> str:
    """hex(sha(callName + queryString + sharedSecret)), as BBB computes it."""
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def query_string(params: dict[str, str]) -> str:
    """The query as BBB's Java side encodes it (spaces as +), in the order given."""
    return urlencode(params)


class BBBError(DomainError):
    """The classroom cannot be reached or refused us. `message` is for the person, in
    Persian; `detail` (and `message_key`) are for the logs."""

    http_status = 503
    code = "classroom_unavailable"

    def __init__(self, detail: str, *, message_key: str = "") -> None:
        super().__init__(
            _("The online classroom is not available right now; please try again in a few minutes.")
        )
        self.detail = detail
        self.message_key = message_key


class BBBUnavailable(BBBError):
    """A timeout, a refused connection, a 5xx, an answer that is not BBB's XML, or the
    circuit breaker open: counts as a failure of the server."""


class BBBFailed(BBBError):
    """BBB answered `returncode` FAILED (a wrong checksum, an unknown meeting, …): the
    server works, the request was refused; `message_key` is BBB's."""

    code = "classroom_refused"


@dataclass(frozen=True)
class MeetingCreated:
    meeting_id: str
    internal_meeting_id: str
    duplicate: bool  # BBB's messageKey duplicateWarning: the meeting already ran


@dataclass(frozen=True)
class Attendee:
    user_id: str  # the userID we passed on join (BBB's external user id)
    full_name: str
    role: str  # MODERATOR or VIEWER


@dataclass(frozen=True)
class MeetingInfo:
    meeting_id: str
    internal_meeting_id: str
    running: bool
    has_been_forcibly_ended: bool
    attendees: list[Attendee] = field(default_factory=list)


@dataclass(frozen=True)
class Playback:
    type: str
    url: str
    length_minutes: int


@dataclass(frozen=True)
class Recording:
    record_id: str
    meeting_id: str
    published: bool
    state: str
    start_ms: int
    end_ms: int
    playbacks: list[Playback] = field(default_factory=list)


class BBBClient(Protocol):
    """What Kargah asks of a BigBlueButton server (or a Scalelite pool)."""

    def create(self, *, meeting_id: str, name: str, params: dict[str, str]) -> MeetingCreated: ...

    def join_url(self, *, meeting_id: str, full_name: str, role: str, user_id: str) -> str: ...

    def end(self, *, meeting_id: str) -> None: ...

    def is_meeting_running(self, *, meeting_id: str) -> bool: ...

    def get_meeting_info(self, *, meeting_id: str) -> MeetingInfo | None: ...

    def get_recordings(self, *, meeting_id: str) -> list[Recording]: ...

    def publish_recordings(self, *, record_ids: list[str], publish: bool) -> bool: ...

    def delete_recordings(self, *, record_ids: list[str]) -> bool: ...


def bbb_client() -> BBBClient:
    """The configured client: KARGAH_BBB_URL and KARGAH_BBB_SECRET (a BBB server, a
    Scalelite pool, or the fake in the demo)."""
    from kargah.classroom.bbb.http import HttpBBBClient

    return HttpBBBClient(
        base_url=settings.KARGAH_BBB_URL,
        secret=settings.KARGAH_BBB_SECRET,
        algorithm=settings.KARGAH_BBB_CHECKSUM,
    )
