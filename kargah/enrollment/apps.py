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
        # Accounts and documents send signals for what enrollment does on their changes, so
        # that neither imports enrollment (docs/architecture.md, "Which app imports which").
        from kargah.accounts.signals import learner_link_revoked
        from kargah.documents.signals import documents_reviewed

        learner_link_revoked.connect(_link_revoked, dispatch_uid="enrollment.link_revoked")
        documents_reviewed.connect(_documents_reviewed, dispatch_uid="enrollment.documents")


def _settle_enrollment_payment(*, attempt: Any) -> object:
    # Looked up when called, not when registered: a test (or a later import) that replaces
    # the service function is what runs.
    from kargah.enrollment import services_registration

    return services_registration.enrollment_on_payment_verified(attempt=attempt)


def _link_revoked(*, link: Any, actor: Any, **_kwargs: Any) -> None:
    # The family may no longer register the child: off the waiting lists it put it on.
    from kargah.enrollment import services_waitlist

    services_waitlist.waiting_list_end_for_family(
        learner=link.learner, family_id=link.family_id, actor=actor
    )


def _documents_reviewed(*, learner: Any, course: Any, actor: Any, **_kwargs: Any) -> None:
    from kargah.enrollment import services_registration

    services_registration.enrollment_documents_reviewed(learner=learner, course=course, actor=actor)
