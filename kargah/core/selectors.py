"""Reads of the core app: the audit trail of an object."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from kargah.core.models import AuditLogEntry


def audit_trail(*, obj: models.Model) -> QuerySet[AuditLogEntry]:
    return AuditLogEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
