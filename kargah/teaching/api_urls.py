"""URLs of the attendance API, under /api/v1/."""

from django.urls import path

from kargah.teaching import api

urlpatterns = [
    path("attendance", api.AttendanceView.as_view(), name="api-attendance"),
]
