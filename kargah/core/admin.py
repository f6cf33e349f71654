"""Admin for the audit log (read-only, with the base other read-only admins use)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.core.admin_dates import ModelAdmin
from kargah.core.models import AuditLogEntry, IdempotencyKey


class ReadOnlyAdmin(ModelAdmin):
    """Rows written only by the services (records, payments, events): seen, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "action")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ModelAdmin):
    list_display = ("created_at", "user", "key")
    search_fields = ("key",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
