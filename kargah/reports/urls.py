"""URLs of the reports, under /staff/reports/ (names start with staff_: the staff look)."""

from django.urls import path

from kargah.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.reports, name="staff_reports"),
    path("<slug:key>.xlsx", views.export, name="staff_reports_export"),
]
