"""Admin for enrollments: read-only; enrollments change through the enrollment services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.enrollment.models import Enrollment


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "offering", "status", "conditions", "conditions_accepted_at")
    list_filter = ("status",)
    raw_id_fields = ("learner", "offering", "conditions")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
