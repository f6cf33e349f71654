"""Writes of the SLA part: recording service events in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kargah.catalog.models import Offering, Session
from kargah.core.services import _require_change_transaction
from kargah.sla.models import ServiceEvent


def service_event_record(
    *,
    kind: str,
    offering: Offering,
    at: dt.datetime,
    session: Session | None = None,
    cause: str = "",
    details: dict[str, Any] | None = None,
) -> ServiceEvent:
    """Records one event; call it inside the transaction of the change it records, so that
    both commit or roll back together (as `audit_record`)."""
    _require_change_transaction("service_event_record")
    return ServiceEvent.objects.create(
        kind=kind, offering=offering, session=session, cause=cause, at=at,
        details=details or {},
    )  # fmt: skip
