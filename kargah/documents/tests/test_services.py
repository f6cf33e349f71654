"""Uploading and reviewing documents (R1): stored privately under random names, judged by
content, replaced after a rejection, reviewed only by staff of the course's center, the
guardian told; the selectors the enrollment helper relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstructorFactory,
    OfferingFactory,
)
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.selectors import audit_trail
from kargah.documents import selectors, services
from kargah.documents.checks import PDF, PNG, BadDocument
from kargah.documents.models import Document, DocumentStatus
from kargah.documents.storage import private_storage
from kargah.documents.tests.conftest import CONSENT, SAMPLE, image_bytes, pdf_bytes, upload
from kargah.enrollment.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_in(guardian, learner, course):
    def _hand_in(name: str = CONSENT, data: bytes | None = None, filename: str = "consent.pdf"):
        return services.document_upload(
            guardian=guardian,
            learner=learner,
            course=course,
            name=name,
            file=upload(pdf_bytes() if data is None else data, filename),
        )

    return _hand_in


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class TestUpload:
    def test_a_pdf_is_stored_privately_under_a_random_name(self, hand_in, private_media, guardian):
        document = hand_in(filename="رضایت نامه سارا محمدی.pdf")
        assert document.status == DocumentStatus.SUBMITTED
        assert (document.content_type, document.size) == (PDF, len(pdf_bytes()))
        stored = files_in(private_media)
        assert len(stored) == 1
        assert stored[0].read_bytes() == pdf_bytes()
        assert "سارا" not in document.file.name and "consent" not in document.file.name
        assert len(Path(document.file.name).stem) == 32  # a UUID
        with pytest.raises(ValueError):
            document.file.url  # noqa: B018 — there is no public URL
        entry = audit_trail(obj=document).get()
        assert (entry.action, entry.actor) == ("document.uploaded", guardian)

    def test_the_default_folder_is_outside_every_served_one(self):
        root = Path(settings.BASE_DIR) / "private-media"
        assert root != Path(settings.MEDIA_ROOT) and root != Path(settings.STATIC_ROOT)

    def test_a_png_named_pdf_is_judged_by_its_content(self, hand_in):
        document = hand_in(data=image_bytes(), filename="scan.pdf")
        assert document.content_type == PNG
        assert document.file.name.endswith(".png")

    def test_html_named_jpg_is_refused_and_nothing_is_kept(self, hand_in, private_media):
        with pytest.raises(BadDocument):
            hand_in(data=b"<html><body>hi</body></html>", filename="photo.jpg")
        assert not Document.objects.exists()
        assert files_in(private_media) == []

    def test_too_many_pixels_are_refused(self, hand_in):
        with pytest.raises(BadDocument):
            hand_in(data=image_bytes((4100, 300)), filename="big.png")
        assert not Document.objects.exists()

    def test_only_a_required_document(self, hand_in):
        with pytest.raises(DomainError) as caught:
            hand_in(name="کارنامه")
        assert caught.value.code == "unknown_document"

    def test_only_the_childs_guardian(self, learner, course):
        stranger = GuardianFactory.create()
        with pytest.raises(NotAllowed):
            services.document_upload(
                guardian=stranger,
                learner=learner,
                course=course,
                name=CONSENT,
                file=upload(pdf_bytes(), "a.pdf"),
            )
        assert not Document.objects.exists()

    def test_a_rejected_document_is_replaced(
        self, hand_in, staff, private_media, django_capture_on_commit_callbacks
    ):
        first = hand_in()
        old_name = first.file.name
        services.document_review(actor=staff, document=first, approve=False, reason="ناخوانا")
        with django_capture_on_commit_callbacks(execute=True):
            again = hand_in(data=image_bytes(), filename="retake.png")
        assert again.pk == first.pk
        assert (again.status, again.reason, again.reviewed_by) == (
            DocumentStatus.SUBMITTED,
            "",
            None,
        )
        assert again.content_type == PNG
        assert [p.name for p in files_in(private_media)] == [Path(again.file.name).name]
        assert not private_storage().exists(old_name)
        assert Document.objects.count() == 1

    def test_an_approved_document_stays(self, hand_in, staff, private_media):
        document = hand_in()
        services.document_review(actor=staff, document=document, approve=True)
        with pytest.raises(Conflict):
            hand_in(data=image_bytes())
        document.refresh_from_db()
        assert document.status == DocumentStatus.APPROVED
        assert len(files_in(private_media)) == 1


class TestReview:
    def test_staff_of_the_center_approve_and_the_guardian_is_told(
        self, hand_in, staff, guardian, sms, django_capture_on_commit_callbacks
    ):
        document = hand_in()
        with django_capture_on_commit_callbacks(execute=True):
            reviewed = services.document_review(actor=staff, document=document, approve=True)
        assert reviewed.status == DocumentStatus.APPROVED
        assert reviewed.reviewed_by == staff
        assert reviewed.reviewed_at is not None
        assert [m.recipient for m in sms.sent] == [guardian.mobile]
        assert CONSENT in sms.sent[0].body
        # the same decision again changes nothing and tells nobody
        services.document_review(actor=staff, document=document, approve=True)
        assert audit_trail(obj=document).filter(action="document.approved").count() == 1

    def test_a_rejection_needs_a_reason_which_the_guardian_reads(
        self, hand_in, staff, sms, django_capture_on_commit_callbacks
    ):
        document = hand_in()
        with pytest.raises(DomainError) as caught:
            services.document_review(actor=staff, document=document, approve=False, reason=" ")
        assert caught.value.code == "reason_required"
        with django_capture_on_commit_callbacks(execute=True):
            services.document_review(
                actor=staff, document=document, approve=False, reason="امضا ندارد"
            )
        document.refresh_from_db()
        assert (document.status, document.reason) == (DocumentStatus.REJECTED, "امضا ندارد")
        assert "امضا ندارد" in sms.sent[-1].body

    def test_a_decided_document_is_not_decided_again_the_other_way(self, hand_in, staff):
        document = hand_in()
        services.document_review(actor=staff, document=document, approve=True)
        with pytest.raises(Conflict):
            services.document_review(actor=staff, document=document, approve=False, reason="x")

    def test_staff_of_another_center_cannot_review(self, hand_in, other_staff):
        document = hand_in()
        with pytest.raises(NotAllowed):
            services.document_review(actor=other_staff, document=document, approve=True)
        document.refresh_from_db()
        assert document.status == DocumentStatus.SUBMITTED

    def test_instructors_finance_and_guardians_cannot_review(self, hand_in, course, guardian):
        document = hand_in()
        for actor in (
            InstructorFactory.create(center=course.center),
            User.objects.create(username="fin", role=Role.FINANCE),
            guardian,
        ):
            with pytest.raises(NotAllowed):
                services.document_review(actor=actor, document=document, approve=True)

    def test_an_administrator_may_review(self, hand_in):
        admin = User.objects.create(username="root", role=Role.ADMINISTRATOR)
        document = services.document_review(actor=admin, document=hand_in(), approve=True)
        assert document.status == DocumentStatus.APPROVED


class TestSelectors:
    def test_missing_and_awaiting(self, hand_in, learner, course, staff):
        assert selectors.documents_missing(learner=learner, course=course) == [CONSENT, SAMPLE]
        assert selectors.documents_awaiting_approval(learner=learner, course=course)

        consent = hand_in(CONSENT)
        assert selectors.documents_missing(learner=learner, course=course) == [SAMPLE]
        sample = hand_in(SAMPLE, data=image_bytes(), filename="painting.png")
        assert selectors.documents_missing(learner=learner, course=course) == []
        assert selectors.documents_awaiting_approval(learner=learner, course=course)

        services.document_review(actor=staff, document=consent, approve=True)
        services.document_review(actor=staff, document=sample, approve=False, reason="تار است")
        assert selectors.documents_missing(learner=learner, course=course) == [SAMPLE]
        assert selectors.documents_awaiting_approval(learner=learner, course=course)

        hand_in(SAMPLE, data=image_bytes(), filename="painting.png")
        sample.refresh_from_db()
        services.document_review(actor=staff, document=sample, approve=True)
        assert selectors.documents_missing(learner=learner, course=course) == []
        assert not selectors.documents_awaiting_approval(learner=learner, course=course)

    def test_a_course_without_documents_needs_nothing(self, learner):
        course = CourseFactory.create()
        assert selectors.documents_missing(learner=learner, course=course) == []
        assert not selectors.documents_awaiting_approval(learner=learner, course=course)

    def test_documents_are_per_learner(self, hand_in, guardian, course):
        hand_in()
        sibling = LearnerFactory.create(family=guardian.family)
        assert selectors.documents_missing(learner=sibling, course=course) == [CONSENT, SAMPLE]

    def test_who_sees_what(self, hand_in, guardian, staff, other_staff):
        document = hand_in()
        assert list(selectors.document_list_for_guardian(guardian=guardian)) == [document]
        stranger = GuardianFactory.create()
        assert not selectors.document_list_for_guardian(guardian=stranger).exists()
        assert list(selectors.documents_for_review(user=staff)) == [document]
        assert list(
            selectors.documents_for_review(user=staff, status=DocumentStatus.SUBMITTED)
        ) == [document]
        assert not selectors.documents_for_review(
            user=staff, status=DocumentStatus.APPROVED
        ).exists()
        assert not selectors.documents_for_review(user=other_staff).exists()
        assert not selectors.documents_for_review(user=guardian).exists()


def test_approving_the_last_document_confirms_a_paid_place_that_waited(
    hand_in, learner, course, staff
):
    course.confirmation_waits_for_documents = True
    course.save(update_fields=["confirmation_waits_for_documents"])
    offering = OfferingFactory.create(course=course, published=True)
    enrollment = EnrollmentFactory.create(
        learner=learner,
        offering=offering,
        status=EnrollmentStatus.AWAITING_APPROVAL,
        fee_rials=1_000,
        paid_rials=1_000,
    )
    consent = hand_in(CONSENT)
    sample = hand_in(SAMPLE, data=image_bytes(), filename="painting.png")

    services.document_review(actor=staff, document=consent, approve=True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.AWAITING_APPROVAL  # one still awaits

    services.document_review(actor=staff, document=sample, approve=True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
