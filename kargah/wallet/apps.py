"""Wallet: the double-entry ledger behind every family's balance and every Rial moved."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "kargah.wallet"
    label = "wallet"
    verbose_name = _("Wallet")
