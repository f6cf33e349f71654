"""The one helper for named locks: serialises work on one key (a mobile number, later an
offering's seats or a family's wallet) inside the current transaction.

On PostgreSQL it takes transaction-scoped advisory locks, in sorted order so that two
callers can never deadlock, with a short lock timeout that becomes a "busy, try again"
answer instead of a hung request; all of it in one round trip, through the database
function `kargah_lock_keys` (core migration 0003), because a registration takes two locks
and every statement counts in a registration rush (docs/performance.md). SQLite (the demo) runs every write transaction under an
exclusive lock from its start (transaction_mode IMMEDIATE), so there is nothing to add.
"""

from __future__ import annotations

import hashlib

from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from kargah.core.errors import DomainError

LOCK_TIMEOUT_MS = 3000


class Busy(DomainError):
    http_status = 503
    code = "busy"


def _key(namespace: str, value: str) -> int:
    digest = hashlib.blake2b(f"{namespace}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_keys(*keys: tuple[str, str]) -> None:
    """Takes the named locks until the end of the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_keys must run inside a transaction")
    if connection.vendor != "postgresql":
        return
    numbers = sorted({_key(namespace, value) for namespace, value in keys})
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT kargah_lock_keys(%s::bigint[], %s)", [numbers, LOCK_TIMEOUT_MS])
        except OperationalError as exc:
            if "lock timeout" in str(exc):
                raise Busy(_("The system is busy. Please try again in a moment.")) from None
            raise
