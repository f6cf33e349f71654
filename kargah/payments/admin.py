"""Admin for payments: read-only, for finance to reconcile with the gateway's reports;
attempts change only through the payment services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.core.admin_dates import ModelAdmin
from kargah.payments.models import PaymentAttempt


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ModelAdmin):
    list_display = (
        "id", "family", "amount", "purpose", "gateway", "status", "authority", "ref_id",
        "created_at", "verified_at",
    )  # fmt: skip
    # By date through the filter (today, the past 7 days, this month), not a date hierarchy:
    # its links name Gregorian years and months, and staff read Jalali (issue 9).
    list_filter = ("status", "gateway", "purpose", "created_at")
    search_fields = ("authority", "ref_id")
    raw_id_fields = ("family", "enrollment")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
