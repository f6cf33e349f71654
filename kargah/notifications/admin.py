"""Admin for the outbox: see what waits, what was sent and why something failed."""

from django.contrib import admin

from kargah.core.admin_dates import ModelAdmin
from kargah.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
