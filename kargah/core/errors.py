"""Domain errors: raised by services with a message a person can read (rule 12)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user caused or can act on; views show `message`, never a trace.

    `code` is a stable machine name for API clients; `http_status` is what the API answers.
    """

    http_status = 400
    code = "invalid"

    def __init__(
        self, message: Any, *, code: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class NotAllowed(DomainError):
    http_status = 403
    code = "not_allowed"


class Throttled(DomainError):
    http_status = 429
    code = "throttled"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"
