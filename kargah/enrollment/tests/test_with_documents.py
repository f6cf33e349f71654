"""Registering for a course that asks for documents (R1), with the documents app's
selectors: missing documents refuse; where confirmation waits for approval, a paid place
waits (awaiting approval, seat kept) and is confirmed once every document is approved."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kargah.catalog.models import Course
from kargah.core.errors import DomainError
from kargah.documents.models import Document, DocumentStatus
from kargah.enrollment import services_drop, services_registration
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import FEE, money_is_sound, row_counts, top_up

pytestmark = pytest.mark.django_db

CONSENT = "رضایت‌نامه ولی"


def hand_in(learner, course, status=DocumentStatus.SUBMITTED):
    return Document.objects.create(
        learner=learner, course=course, name=CONSENT, file="documents/x.pdf",
        content_type="application/pdf", size=1000, status=status,
        uploaded_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def course(offering):
    Course.objects.filter(pk=offering.course_id).update(
        required_documents=[CONSENT], confirmation_waits_for_documents=True
    )
    offering.course.refresh_from_db()
    return offering.course


def register(guardian, learner, offering):
    return services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    )


def test_a_missing_document_refuses_registration(offering, course, guardian, learner):
    top_up(guardian.family, FEE)
    before = row_counts()
    with pytest.raises(DomainError) as caught:
        register(guardian, learner, offering)
    assert caught.value.code == "documents" and CONSENT in str(caught.value.message)
    assert row_counts() == before


def test_a_paid_place_waits_for_approval_then_is_confirmed(offering, course, guardian, learner):
    top_up(guardian.family, FEE)
    document = hand_in(learner, course)

    enrollment = register(guardian, learner, offering).enrollment

    assert enrollment.status == EnrollmentStatus.AWAITING_APPROVAL
    assert enrollment.paid_rials == FEE and enrollment.hold_expires_at is None
    offering.refresh_from_db()
    assert offering.seats_taken == 1
    assert services_registration.enrollment_documents_reviewed(learner=learner, course=course) == []

    document.status = DocumentStatus.APPROVED
    document.save()
    confirmed = services_registration.enrollment_documents_reviewed(learner=learner, course=course)

    assert [e.pk for e in confirmed] == [enrollment.pk]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert money_is_sound()


def test_approved_documents_confirm_at_once(offering, course, guardian, learner):
    top_up(guardian.family, FEE)
    hand_in(learner, course, status=DocumentStatus.APPROVED)
    assert register(guardian, learner, offering).enrollment.status == EnrollmentStatus.CONFIRMED


def test_a_place_awaiting_approval_can_be_dropped_with_its_money(
    offering, course, guardian, learner
):
    top_up(guardian.family, FEE)
    hand_in(learner, course)
    enrollment = register(guardian, learner, offering).enrollment
    dropped = services_drop.enrollment_drop(guardian=guardian, enrollment=enrollment)
    assert dropped.status == EnrollmentStatus.CANCELLED
    from kargah.wallet.selectors import wallet_balance

    assert wallet_balance(family=guardian.family) == FEE
    assert money_is_sound()
