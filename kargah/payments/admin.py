"""Admin for payments: read-only, for finance to reconcile with the gateway's reports;
attempts change only through the payment services."""

from django.contrib import admin

from kargah.core.admin import ReadOnlyAdmin
from kargah.payments.models import PaymentAttempt


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "family", "amount", "purpose", "gateway", "status", "authority", "ref_id",
        "created_at", "verified_at",
    )  # fmt: skip
    # By date through the filter (today, the past 7 days, this month), not a date hierarchy:
    # its links name Gregorian years and months, and staff read Jalali (issue 9).
    list_filter = ("status", "gateway", "purpose", "created_at")
    search_fields = ("authority", "ref_id")
    raw_id_fields = ("family", "enrollment")
