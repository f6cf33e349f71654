"""Documents end to end for a family (issue 9, finding 1; R1: documents are handed in only
online): the registration page lists the chosen child's missing documents with an upload
form that works on a phone and leads straight back; the documents page lists every child's
documents and what each course asks for."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kargah.accounts.models import LearnerLink, LinkStatus, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.documents import services
from kargah.documents.models import Document, DocumentStatus
from kargah.documents.tests.conftest import CONSENT, SAMPLE, image_bytes, pdf_bytes, upload
from kargah.enrollment.models import EnrollmentStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# The content checks' answer to a file that is neither a PDF nor a picture (checks.py).
ONLY_PDF_OR_PICTURES = "فقط فایل PDF و تصویر JPEG یا PNG پذیرفته می‌شود"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def offering(course):
    return OfferingFactory.create(course=course, published=True)


def register_url(offering, learner=None) -> str:
    url = reverse("enrollment:register", args=[offering.pk])
    return f"{url}?learner={learner.pk}" if learner else url


def upload_url(learner, course) -> str:
    return reverse("documents:upload", args=[learner.pk, course.pk])


class TestRegistrationPage:
    def test_lists_the_childs_missing_documents_with_a_phone_upload(
        self, guardian, learner, course, offering
    ):
        """Finding 1: the page used to link to an empty /documents/ and nothing else."""
        page = signed_in(guardian).get(register_url(offering, learner))
        assert page.status_code == 200
        (item,) = page.context["document_needs"]
        assert item["learner"] == learner and item["missing"] == [CONSENT, SAMPLE]
        text = page.content.decode()
        assert 'data-testid="registration-documents"' in text
        # No `capture`: a phone then offers the camera or a file (with it, some open only the camera).
        assert text.count('accept="image/*,application/pdf" id=') == 2
        assert f'hx-post="{upload_url(learner, course)}"' in text
        assert 'hx-encoding="multipart/form-data"' in text
        assert "data-upload-progress" in text and "js/upload-progress.js" in text
        assert f'name="next" value="{register_url(offering, learner)}"' in text.replace(
            "&amp;", "&"
        )

    def test_an_upload_leads_straight_back_and_the_page_shows_it(
        self, guardian, learner, course, offering
    ):
        client = signed_in(guardian)
        back = register_url(offering, learner)
        answer = client.post(
            upload_url(learner, course),
            {"name": CONSENT, "file": upload(pdf_bytes(), "consent.pdf"), "next": back},
            headers=HTMX,
        )
        assert answer.status_code == 200 and answer["HX-Redirect"] == back
        page = client.get(back)
        (item,) = page.context["document_needs"]
        assert item["missing"] == [SAMPLE]
        assert Document.objects.get().status == DocumentStatus.SUBMITTED
        assert "js/upload-progress.js" in page.content.decode()

    def test_without_script_the_form_posts_and_redirects_back(
        self, guardian, learner, course, offering
    ):
        back = register_url(offering, learner)
        answer = signed_in(guardian).post(
            upload_url(learner, course),
            {"name": SAMPLE, "file": upload(image_bytes(fmt="JPEG"), "p.jpg"), "next": back},
        )
        assert answer.status_code == 302 and answer["Location"] == back

    def test_a_bad_file_answers_with_the_checks_persian_message(
        self, guardian, learner, course, offering
    ):
        with translation.override("fa"):
            answer = signed_in(guardian).post(
                upload_url(learner, course),
                {
                    "name": CONSENT,
                    "file": upload(b"<html></html>", "consent.pdf", "application/pdf"),
                    "next": register_url(offering, learner),
                    "slot": "2",
                },
                headers=HTMX,
            )
        text = answer.content.decode()
        assert answer.status_code == 200 and "HX-Redirect" not in answer
        assert text.lstrip().startswith("<form") and "<html" not in text
        assert 'data-testid="upload-error"' in text
        assert ONLY_PDF_OR_PICTURES in text
        assert f'id="doc-file-{learner.pk}-2"' in text
        assert not Document.objects.exists()

    def test_another_site_is_never_the_way_back(self, guardian, learner, course):
        answer = signed_in(guardian).post(
            upload_url(learner, course),
            {
                "name": CONSENT,
                "file": upload(pdf_bytes(), "c.pdf"),
                "next": "https://evil.example/",
            },
        )
        assert answer.status_code == 302 and answer["Location"] == upload_url(learner, course)

    def test_a_registered_child_and_a_course_without_documents_show_nothing(
        self, guardian, learner, course, offering
    ):
        EnrollmentFactory.create(learner=learner, offering=offering)
        page = signed_in(guardian).get(register_url(offering))
        assert page.context["document_needs"] == []
        plain = OfferingFactory.create(published=True)
        assert signed_in(guardian).get(register_url(plain)).context["document_needs"] == []

    def test_an_approved_set_reads_as_handed_in(self, guardian, learner, course, offering, staff):
        for name in (CONSENT, SAMPLE):
            document = services.document_upload(
                guardian=guardian, learner=learner, course=course, name=name,
                file=upload(pdf_bytes(), "x.pdf"),
            )  # fmt: skip
            services.document_review(actor=staff, document=document, approve=True)
        page = signed_in(guardian).get(register_url(offering, learner))
        (item,) = page.context["document_needs"]
        assert item["missing"] == []
        assert 'data-testid="upload-form"' not in page.content.decode()


class TestDocumentsPage:
    def test_lists_each_childs_courses_with_their_needs(self, guardian, learner, course, offering):
        """Finding 1: /documents/ listed nothing for a family that had handed nothing in."""
        EnrollmentFactory.create(
            learner=learner, offering=offering, status=EnrollmentStatus.AWAITING_APPROVAL
        )
        sister = LearnerFactory.create(family=guardian.family, first_name="ستاره‌ی‌دیگر")
        page = signed_in(guardian).get(reverse("documents:list"))
        (item,) = page.context["overview"]
        assert (item.learner, item.course, item.own) == (learner, course, True)
        assert item.missing == [CONSENT, SAMPLE]
        text = page.content.decode()
        assert text.count('data-testid="upload-form"') == 2
        assert sister.full_name not in text  # no course of hers asks for anything

    def test_states_and_the_reason_of_a_rejection(self, guardian, learner, course, staff):
        first = services.document_upload(
            guardian=guardian, learner=learner, course=course, name=CONSENT,
            file=upload(pdf_bytes(), "c.pdf"),
        )  # fmt: skip
        services.document_review(actor=staff, document=first, approve=False, reason="ناخوانا")
        services.document_upload(
            guardian=guardian, learner=learner, course=course, name=SAMPLE,
            file=upload(image_bytes(), "s.png"),
        )  # fmt: skip
        page = signed_in(guardian).get(reverse("documents:list"))
        (item,) = page.context["overview"]
        assert [need.document.status for need in item.needs] == ["rejected", "submitted"]
        assert item.missing == [CONSENT]
        text = page.content.decode()
        assert "ناخوانا" in text and text.count('data-testid="upload-form"') == 1

    def test_a_linked_child_is_read_only(self, learner, course, offering):
        other = GuardianFactory.create()
        LearnerLink.objects.create(
            learner=learner, family=other.family, status=LinkStatus.APPROVED, requested_by=other
        )
        EnrollmentFactory.create(learner=learner, offering=offering)
        page = signed_in(other).get(reverse("documents:list"))
        (item,) = page.context["overview"]
        assert item.learner == learner and item.own is False
        assert 'data-testid="upload-form"' not in page.content.decode()

    def test_another_familys_child_is_not_listed(self, learner, course, offering):
        EnrollmentFactory.create(learner=learner, offering=offering)
        stranger = GuardianFactory.create()
        assert signed_in(stranger).get(reverse("documents:list")).context["overview"] == []


def test_a_document_the_course_no_longer_asks_for_stays_listed(guardian, learner, course):
    services.document_upload(
        guardian=guardian, learner=learner, course=course, name=SAMPLE,
        file=upload(image_bytes(), "s.png"),
    )  # fmt: skip
    course.required_documents = [CONSENT]
    course.save(update_fields=["required_documents"])
    page = signed_in(guardian).get(reverse("documents:list"))
    (item,) = page.context["overview"]
    assert [(need.name, need.required) for need in item.needs] == [(CONSENT, True), (SAMPLE, False)]
    assert item.missing == [CONSENT]
    assert page.content.decode().count('data-testid="upload-form"') == 1
