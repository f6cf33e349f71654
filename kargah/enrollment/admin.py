"""Admin for enrollments and waiting lists: read-only; they change through the enrollment
services (which keep seats, money and the audit log consistent)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.core.admin_dates import ModelAdmin
from kargah.enrollment.models import Enrollment, WaitingListEntry


@admin.register(Enrollment)
class EnrollmentAdmin(ModelAdmin):
    list_display = (
        "learner", "family", "offering", "status", "fee_rials", "paid_rials",
        "hold_expires_at", "conditions", "conditions_accepted_at",
    )  # fmt: skip
    list_filter = ("status",)
    raw_id_fields = ("learner", "family", "offering", "conditions", "switched_to")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ModelAdmin):
    list_display = ("learner", "family", "offering", "status", "created_at", "offer_expires_at")
    list_filter = ("status",)
    raw_id_fields = ("learner", "family", "offering")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
