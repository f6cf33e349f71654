"""Catalog: courses, offerings and their sessions, the teaching calendar and its holidays."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kargah.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
