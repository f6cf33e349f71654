"""SLA: the recorded service events the agreement's service levels are measured from."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kargah.sla"
    label = "sla"
    verbose_name = _("Service levels")
