"""Documents in the admin: listed for oversight; the files are reached through the site's
access-checked download view only, and reviews go through the review page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kargah.core.admin_dates import ModelAdmin
from kargah.documents.models import Document


@admin.register(Document)
class DocumentAdmin(ModelAdmin):
    list_display = ["name", "learner", "course", "status", "content_type", "size", "uploaded_at"]
    list_filter = ["status", "content_type"]
    search_fields = ["name", "learner__last_name", "course__title"]
    raw_id_fields = ["learner", "course", "reviewed_by"]
    exclude = ["file"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False
