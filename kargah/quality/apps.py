"""The quality supervisor's read-only desk (issue 11, item 9)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kargah.quality"
    label = "quality"
    verbose_name = _("Quality desk")
