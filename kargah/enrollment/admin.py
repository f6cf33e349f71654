"""Admin for enrollments and waiting lists: read-only (no add, change or delete); they
change through the enrollment services (which keep seats, money and the audit log
consistent)."""

from django.contrib import admin

from kargah.core.admin import ReadOnlyAdmin
from kargah.enrollment.models import Enrollment, WaitingListEntry


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = (
        "learner", "family", "offering", "status", "fee_rials", "paid_rials",
        "hold_expires_at", "conditions", "conditions_accepted_at",
    )  # fmt: skip
    list_filter = ("status",)
    raw_id_fields = ("learner", "family", "offering", "conditions", "switched_to")


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyAdmin):
    list_display = ("learner", "family", "offering", "status", "created_at", "offer_expires_at")
    list_filter = ("status",)
    raw_id_fields = ("learner", "family", "offering")
