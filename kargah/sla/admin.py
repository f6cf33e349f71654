"""Admin for service events: read-only, they are written by the services that record them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.sla.models import ServiceEvent


@admin.register(ServiceEvent)
class ServiceEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "cause", "offering", "session")
    list_filter = ("kind", "cause")
    raw_id_fields = ("offering", "session")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
