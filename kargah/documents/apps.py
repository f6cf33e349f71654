"""Documents (R1): files an applicant hands in only through the site, checked by their
content, kept out of every public URL, and approved or rejected by the center's staff."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kargah.documents"
    label = "documents"
    verbose_name = _("Documents")
