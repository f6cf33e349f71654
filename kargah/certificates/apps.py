"""Certificates of completion: issued once per completed place, verified by code (issue 13)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "kargah.certificates"
    label = "certificates"
    verbose_name = _("Certificates of completion")

    def ready(self) -> None:
        from kargah.catalog.signals import offering_finished
        from kargah.certificates.services import certificates_on_offering_finished

        offering_finished.connect(
            certificates_on_offering_finished, dispatch_uid="certificates-offering-finished"
        )
