"""URLs of the device check API, under /api/v1/."""

from django.urls import path

from kargah.devicecheck import api

urlpatterns = [
    path("device-checks", api.DeviceCheckListCreateView.as_view(), name="api-device-checks"),
]
