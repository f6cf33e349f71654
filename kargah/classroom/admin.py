"""Read-only admin pages of the classroom: rooms, joins and presence are written by services."""

from django.contrib import admin

from kargah.classroom.models import ClassroomSettings, JoinLog, PresenceInterval, Room


@admin.register(ClassroomSettings)
class ClassroomSettingsAdmin(admin.ModelAdmin):
    list_display = ["offering", "records"]
    raw_id_fields = ["offering"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["session", "records", "opened_at", "ended_at", "teaching_seen_at"]
    exclude = ["attendee_pw", "moderator_pw"]


@admin.register(JoinLog)
class JoinLogAdmin(ReadOnlyAdmin):
    list_display = ["session", "full_name", "role", "outcome", "at", "ip"]
    list_filter = ["outcome", "role"]


@admin.register(PresenceInterval)
class PresenceIntervalAdmin(ReadOnlyAdmin):
    list_display = ["session", "full_name", "role", "joined_at", "left_at"]
