"""Admin of the device checks: read-only, a record of what was measured."""

from __future__ import annotations

from django.contrib import admin

from kargah.core.admin import ReadOnlyAdmin
from kargah.devicecheck.models import DeviceCheck


@admin.register(DeviceCheck)
class DeviceCheckAdmin(ReadOnlyAdmin):
    list_display = ["learner", "checked_at", "browser_name", "browser_version", "passed"]
    list_filter = ["passed", "browser_ok", "connection_ok"]
    raw_id_fields = ["learner", "checked_by"]
