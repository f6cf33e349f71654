"""Notifications: SMS providers and the outbox that makes sure no message is lost."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kargah.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kargah.enrollment.models import Enrollment
        from kargah.notifications.reminders import enrollment_saved

        # Reminders follow a place's status (reminders.py); the enrollment code needs no call.
        post_save.connect(enrollment_saved, sender=Enrollment, dispatch_uid="reminders")
