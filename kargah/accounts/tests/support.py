"""Helpers of the accounts tests: read a code off an SMS, count rows, read audit changes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kargah.accounts.models import Family, Learner, OneTimeCode, User
from kargah.core.models import AuditLogEntry
from kargah.notifications.models import OutboxMessage

# The code is substituted with Latin digits whatever the language of the message; `\d`
# would also match the Persian digits of the rest of a translated text.
_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


def code_in(body: str) -> str:
    """The six-digit code in the text of a sign-in SMS."""
    found = _CODE.findall(body)
    assert len(found) == 1, f"expected exactly one six-digit code in {body!r}"
    return found[0]


def row_counts() -> dict[str, int]:
    """How many rows the sign-in and family code paths can write; a refusal changes none."""
    return {
        "codes": OneTimeCode.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "users": User.objects.count(),
        "families": Family.objects.count(),
        "learners": Learner.objects.count(),
        "audit": AuditLogEntry.objects.count(),
    }


def audit_changes(entry: AuditLogEntry) -> dict[str, tuple[Any, Any]]:
    """The fields an audit row records as changed, as (before, after) pairs."""
    before, after = entry.before or {}, entry.after or {}
    return {
        name: (before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


@dataclass
class Clock:
    """Stands in for django.utils.timezone.now, so that tests can let time pass."""

    current: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)
