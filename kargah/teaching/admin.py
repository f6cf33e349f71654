"""Attendance and conduct notes in the admin: read for oversight; changes go through the desk,
so that each is audited."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kargah.teaching.models import Attendance, ConductNote


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Attendance)
class AttendanceAdmin(_ReadOnly):
    list_display = ["session", "learner", "status", "minutes_attended", "source", "confirmed_at"]
    list_filter = ["status", "source"]
    raw_id_fields = ["session", "learner", "confirmed_by"]


@admin.register(ConductNote)
class ConductNoteAdmin(_ReadOnly):
    list_display = ["learner", "offering", "author", "created_at"]
    search_fields = ["learner__last_name", "text"]
    raw_id_fields = ["learner", "offering", "session", "author"]
