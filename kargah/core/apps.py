"""Core: the audit log, Persian text and dates, errors and the page shell."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kargah.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the production guards (`manage.py check --deploy`).
        from kargah.core import admin_dates, checks  # noqa: F401

        # Staff read Jalali dates in the Django admin too (issue 9).
        admin_dates.install()
