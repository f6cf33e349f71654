"""Accounts: users and roles, provinces and centers, families and their learners."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kargah.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
