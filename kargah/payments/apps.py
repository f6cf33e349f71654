"""Payments: gateway payment attempts, callbacks verified server-to-server, the sandbox bank."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kargah.payments"
    label = "payments"
    verbose_name = _("Payments")
