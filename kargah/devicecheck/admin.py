"""Admin of the device checks: read-only, a record of what was measured."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.devicecheck.models import DeviceCheck


@admin.register(DeviceCheck)
class DeviceCheckAdmin(admin.ModelAdmin):
    list_display = ["learner", "checked_at", "browser_name", "browser_version", "passed"]
    list_filter = ["passed", "browser_ok", "connection_ok"]
    raw_id_fields = ["learner", "checked_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
