"""Admin for service events: read-only, they are written by the services that record them."""

from django.contrib import admin

from kargah.core.admin import ReadOnlyAdmin
from kargah.sla.models import ServiceEvent


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "cause", "offering", "session")
    list_filter = ("kind", "cause")
    raw_id_fields = ("offering", "session")
