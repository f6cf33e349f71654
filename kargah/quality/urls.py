"""URLs of the quality desk, under /quality/."""

from django.urls import path

from kargah.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("offerings/", views.offerings, name="offerings"),
    path("attendance/", views.attendance, name="attendance"),
    path("service-events/", views.service_events, name="service_events"),
    path("refunds/", views.refunds, name="refunds"),
]
