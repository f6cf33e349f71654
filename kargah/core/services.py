"""Writes of the core app: audit records."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from kargah.core.models import AuditLogEntry


def audit_entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLogEntry:
    """An audit record not yet saved, for `audit_records`."""
    return AuditLogEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason,
    )


def _require_change_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the transaction of the change")


def audit_records(*entries: AuditLogEntry) -> None:
    """Saves several audit records (from `audit_entry`) in one insert; call it inside the
    transaction of the change, as `audit_record`."""
    _require_change_transaction("audit_records")
    AuditLogEntry.objects.bulk_create(entries)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLogEntry:
    """Records a change; call it inside the transaction that makes the change, so that the
    record and the change commit or roll back together."""
    _require_change_transaction("audit_record")
    entry = audit_entry(
        actor=actor, action=action, obj=obj, before=before, after=after, reason=reason
    )
    entry.save()
    return entry


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe picture of some fields of a row, for the before/after of an audit record."""
    result: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        result[name] = value
    return result
