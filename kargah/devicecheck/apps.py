"""The device check (R5, R8–R10): browser, camera, microphone, speaker and connection, kept per learner."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeviceCheckConfig(AppConfig):
    name = "kargah.devicecheck"
    label = "devicecheck"
    verbose_name = _("Device checks")
