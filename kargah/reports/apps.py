"""Reports: the staff's figures read from the enrollment rows and the ledger (issue 11)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kargah.reports"
    label = "reports"
    verbose_name = _("Reports")
