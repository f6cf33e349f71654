"""The classroom app: rooms on BigBlueButton (or Scalelite), joins, presence, recordings."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomConfig(AppConfig):
    name = "kargah.classroom"
    label = "classroom"
    verbose_name = _("Classroom")
