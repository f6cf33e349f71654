"""The documents pages: the guardian's upload page, the access-checked download (family,
the center's staff, administrators; everyone else 404) and the staff review page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.tests.factories import InstructorFactory
from kargah.documents import services
from kargah.documents.models import Document, DocumentStatus
from kargah.documents.tests.conftest import CONSENT, SAMPLE, image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def document(guardian, learner, course) -> Document:
    return services.document_upload(
        guardian=guardian,
        learner=learner,
        course=course,
        name=CONSENT,
        file=upload(pdf_bytes(), "consent.pdf"),
    )


def upload_url(learner, course) -> str:
    return reverse("documents:upload", args=[learner.pk, course.pk])


class TestUploadPage:
    def test_lists_the_required_documents(self, guardian, learner, course):
        page = signed_in(guardian).get(upload_url(learner, course))
        assert page.status_code == 200
        text = page.content.decode()
        assert CONSENT in text and SAMPLE in text
        assert 'enctype="multipart/form-data"' in text
        assert page.context["missing"] == [CONSENT, SAMPLE]

    def test_a_picture_is_handed_in(self, guardian, learner, course):
        client = signed_in(guardian)
        answer = client.post(
            upload_url(learner, course),
            {"name": SAMPLE, "file": upload(image_bytes(fmt="JPEG"), "painting.jpg", "image/jpeg")},
        )
        assert answer.status_code == 302
        document = Document.objects.get()
        assert (document.name, document.content_type) == (SAMPLE, "image/jpeg")
        page = client.get(upload_url(learner, course))
        assert page.context["missing"] == [CONSENT]

    def test_a_bad_file_is_shown_on_the_page(self, guardian, learner, course):
        page = signed_in(guardian).post(
            upload_url(learner, course),
            {"name": CONSENT, "file": upload(b"<html></html>", "consent.jpg", "image/jpeg")},
        )
        assert page.status_code == 200
        assert "invalid-feedback" in page.content.decode()
        assert not Document.objects.exists()

    def test_another_familys_child_is_404(self, learner, course):
        stranger = GuardianFactory.create()
        assert signed_in(stranger).get(upload_url(learner, course)).status_code == 404

    def test_staff_do_not_upload(self, staff, learner, course):
        assert signed_in(staff).get(upload_url(learner, course)).status_code == 403

    def test_the_familys_list(self, guardian, document):
        page = signed_in(guardian).get(reverse("documents:list"))
        assert page.status_code == 200
        (item,) = page.context["overview"]
        assert [need.document for need in item.needs] == [document, None]


class TestDownload:
    def url(self, document: Document) -> str:
        return reverse("documents:download", args=[document.pk])

    def test_the_family_gets_the_file(self, guardian, document):
        answer = signed_in(guardian).get(self.url(document))
        assert answer.status_code == 200
        assert answer.getvalue() == pdf_bytes()
        assert answer["Content-Type"] == "application/pdf"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in answer["Cache-Control"]

    def test_staff_of_the_center_and_administrators_get_it(self, staff, document):
        admin = User.objects.create(username="adm", role=Role.ADMINISTRATOR)
        for user in (staff, admin):
            answer = signed_in(user).get(self.url(document))
            assert answer.status_code == 200
            assert answer.getvalue() == pdf_bytes()

    def test_everyone_else_gets_404(self, document, other_staff, course):
        for user in (
            GuardianFactory.create(),
            other_staff,
            InstructorFactory.create(center=course.center),
            User.objects.create(username="fin", role=Role.FINANCE),
        ):
            assert signed_in(user).get(self.url(document)).status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, document):
        answer = Client().get(self.url(document))
        assert answer.status_code == 302

    def test_the_file_has_no_public_address(self, document, private_media):
        # The stored name is random and lives outside MEDIA_ROOT and STATIC_ROOT, which are
        # the only folders anything serves.
        assert Client().get(f"/media/{document.file.name}").status_code == 404
        assert (private_media / document.file.name).exists()


class TestReviewPage:
    def test_staff_see_their_centers_documents_and_decide(self, staff, document, guardian, sms):
        client = signed_in(staff)
        page = client.get(reverse("documents:review"))
        assert page.status_code == 200
        assert list(page.context["documents"]) == [document]
        answer = client.post(
            reverse("documents:review_decide", args=[document.pk]),
            {"decision": "reject", "reason": "امضا ندارد"},
        )
        assert answer.status_code == 302
        document.refresh_from_db()
        assert (document.status, document.reason) == (DocumentStatus.REJECTED, "امضا ندارد")

    def test_a_rejection_without_a_reason_is_refused(self, staff, document):
        signed_in(staff).post(
            reverse("documents:review_decide", args=[document.pk]), {"decision": "reject"}
        )
        document.refresh_from_db()
        assert document.status == DocumentStatus.SUBMITTED

    def test_staff_of_another_center_see_nothing_and_cannot_decide(self, other_staff, document):
        client = signed_in(other_staff)
        assert list(client.get(reverse("documents:review")).context["documents"]) == []
        answer = client.post(
            reverse("documents:review_decide", args=[document.pk]), {"decision": "approve"}
        )
        assert answer.status_code == 404
        document.refresh_from_db()
        assert document.status == DocumentStatus.SUBMITTED

    def test_guardians_get_403(self, guardian, document):
        client = signed_in(guardian)
        assert client.get(reverse("documents:review")).status_code == 403
        url = reverse("documents:review_decide", args=[document.pk])
        assert client.post(url, {"decision": "approve"}).status_code == 403

    def test_the_status_filter(self, staff, document, guardian, learner, course):
        services.document_review(actor=staff, document=document, approve=True)
        client = signed_in(staff)
        assert list(client.get(reverse("documents:review")).context["documents"]) == []
        approved = client.get(reverse("documents:review"), {"status": "approved"})
        assert list(approved.context["documents"]) == [document]
        sibling = LearnerFactory.create(family=guardian.family)
        services.document_upload(
            guardian=guardian,
            learner=sibling,
            course=course,
            name=SAMPLE,
            file=upload(image_bytes(), "s.png"),
        )
        everything = client.get(reverse("documents:review"), {"status": ""})
        assert len(everything.context["documents"]) == 2
