"""Admin of the SLA part: service events and measurements read-only (the services write
them); the service levels of a version edited here by administrators, each change audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from kargah.core.admin import ReadOnlyAdmin
from kargah.core.admin_dates import ModelAdmin
from kargah.core.services import audit_record, snapshot
from kargah.sla.models import (
    Breach,
    Compensation,
    Measurement,
    ServiceEvent,
    ServiceLevel,
    SlaVersion,
)

LEVEL_FIELDS = [
    "version", "name", "metric", "threshold", "threshold_2", "target", "comparison", "period",
    "scope", "scope_center", "scope_category", "compensation", "compensation_rials",
    "compensation_percent",
]  # fmt: skip


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "cause", "offering", "session")
    list_filter = ("kind", "cause")
    raw_id_fields = ("offering", "session")


@admin.register(SlaVersion)
class SlaVersionAdmin(ReadOnlyAdmin):
    # Versions are added through the staff page (kargah.sla.views), which checks the term.
    list_display = ("title", "valid_from", "valid_until", "signatory")


@admin.register(ServiceLevel)
class ServiceLevelAdmin(ModelAdmin):
    list_display = ("name", "version", "metric", "comparison", "target", "period", "scope")
    list_filter = ("version", "metric", "period", "scope")
    raw_id_fields = ("scope_center", "scope_category")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # measured levels keep their history

    def save_model(self, request: HttpRequest, obj: ServiceLevel, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(ServiceLevel.objects.get(pk=obj.pk), LEVEL_FIELDS) if change else None
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user, action="sla.level_changed" if change else "sla.level_added",
                obj=obj, before=before, after=snapshot(obj, LEVEL_FIELDS),
            )  # fmt: skip


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "level", "figure", "target", "met", "cases", "failures")
    list_filter = ("met", "level")


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    list_display = ("measurement", "case_key", "description")
    raw_id_fields = ("offering", "session")


@admin.register(Compensation)
class CompensationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "family", "amount", "measurement")
    raw_id_fields = ("family", "transaction")
