"""URLs of the device check pages, under /device-check/."""

from django.urls import path

from kargah.devicecheck import views

app_name = "devicecheck"

urlpatterns = [
    path("", views.check, name="check"),
    path("ping", views.ping, name="ping"),
    path("payload", views.payload, name="payload"),
]
