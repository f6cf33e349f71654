"""Certificates in the administrator's admin: read-only (they are issued and revoked by services)."""

from django.contrib import admin

from kargah.certificates.models import Certificate
from kargah.core.admin import ReadOnlyAdmin


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "learner_name",
        "course_title",
        "center_name",
        "issued_at",
        "revoked_at",
    ]
    search_fields = ["code", "learner_name", "course_title"]
    list_select_related = ["enrollment"]
