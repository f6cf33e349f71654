"""Admin pages of the classroom: rooms, joins and presence are written by services (read-only)."""

from django.contrib import admin

from kargah.classroom.models import ClassroomSettings, JoinLog, PresenceInterval, Room
from kargah.core.admin import ReadOnlyAdmin
from kargah.core.admin_dates import ModelAdmin


@admin.register(ClassroomSettings)
class ClassroomSettingsAdmin(ModelAdmin):
    list_display = ["offering", "records"]
    raw_id_fields = ["offering"]


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = [
        "session", "records", "opened_at", "ended_at", "teaching_seen_at", "failing_since",
    ]  # fmt: skip
    exclude = ["attendee_pw", "moderator_pw"]


@admin.register(JoinLog)
class JoinLogAdmin(ReadOnlyAdmin):
    list_display = ["session", "full_name", "role", "outcome", "at", "ip"]
    list_filter = ["outcome", "role"]


@admin.register(PresenceInterval)
class PresenceIntervalAdmin(ReadOnlyAdmin):
    list_display = ["session", "full_name", "role", "joined_at", "left_at"]
