"""Enrollment: a learner in an offering, with the conditions the guardian accepted."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "kargah.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self) -> None:
        # A verified payment for an enrollment confirms it: registered here so that the
        # payments app never imports enrollment (kargah.payments.settlement).
        from kargah.payments.models import PaymentPurpose
        from kargah.payments.settlement import register_settlement

        register_settlement(PaymentPurpose.ENROLLMENT, _settle_enrollment_payment)


def _settle_enrollment_payment(*, attempt: Any) -> object:
    # Looked up when called, not when registered: a test (or a later import) that replaces
    # the service function is what runs.
    from kargah.enrollment import services

    return services.enrollment_on_payment_verified(attempt=attempt)
