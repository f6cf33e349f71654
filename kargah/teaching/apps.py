"""Teaching: attendance (R7), conduct notes (R6) and the instructor's desk."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachingConfig(AppConfig):
    name = "kargah.teaching"
    label = "teaching"
    verbose_name = _("Teaching")
