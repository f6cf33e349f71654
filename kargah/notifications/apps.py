"""Notifications: SMS providers and the outbox that makes sure no message is lost."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kargah.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
