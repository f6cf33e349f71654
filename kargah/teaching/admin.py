"""Attendance and conduct notes in the admin: read for oversight; changes go through the desk,
so that each is audited."""

from __future__ import annotations

from django.contrib import admin

from kargah.core.admin import ReadOnlyAdmin
from kargah.teaching.models import Attendance, ConductNote


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["session", "learner", "status", "minutes_attended", "source", "confirmed_at"]
    list_filter = ["status", "source"]
    raw_id_fields = ["session", "learner", "confirmed_by"]


@admin.register(ConductNote)
class ConductNoteAdmin(ReadOnlyAdmin):
    list_display = ["learner", "offering", "author", "created_at"]
    search_fields = ["learner__last_name", "text"]
    raw_id_fields = ["learner", "offering", "session", "author"]
