"""URLs of the agreement's staff pages, under /staff/agreement/ (named staff_*, so that they
wear the staff look and carry the agreement notice)."""

from django.urls import path

from kargah.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.versions, name="staff_versions"),
    path("new/", views.version_create, name="staff_version_new"),
    path("<int:version_id>/", views.version_detail, name="staff_version_detail"),
]
