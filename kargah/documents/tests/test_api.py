"""The documents API (issue 9, finding 1; R1): GET /api/v1/documents lists what each child's
courses ask for and what was handed in; POST hands one in as multipart (the API is JSON
elsewhere), with its own size limit, and answers refusals as {detail, code[, errors]}."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from kargah.accounts.models import LearnerLink, LinkStatus, User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.documents import services
from kargah.documents.api import UPLOAD_MAX_BODY_BYTES
from kargah.documents.checks import MAX_BYTES
from kargah.documents.models import Document, DocumentStatus
from kargah.documents.tests.conftest import CONSENT, SAMPLE, image_bytes, pdf_bytes, upload
from kargah.enrollment.models import EnrollmentStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/documents"


def api(user: User) -> Client:
    token = Token.objects.create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}", "Accept-Language": "fa"})


def post(client: Client, learner, course, name: str, data: bytes, filename: str = "f.pdf"):
    return client.post(
        URL,
        {"learner": learner.pk, "course": course.pk, "name": name, "file": upload(data, filename)},
    )


def test_the_path_is_the_one_in_the_brief():
    assert reverse("api-documents") == URL


def test_lists_what_each_registration_asks_for(guardian, learner, course):
    offering = OfferingFactory.create(course=course, published=True)
    EnrollmentFactory.create(
        learner=learner, offering=offering, status=EnrollmentStatus.AWAITING_APPROVAL
    )
    client = api(guardian)
    assert post(client, learner, course, CONSENT, pdf_bytes()).status_code == 201

    answer = client.get(URL)

    assert answer.status_code == 200
    (item,) = answer.json()["needs"]
    assert (item["learner"], item["course"], item["can_upload"]) == (learner.pk, course.pk, True)
    assert item["missing"] == [SAMPLE]
    consent, sample = item["needs"]
    assert consent["document"]["status"] == "submitted" and consent["missing"] is False
    assert consent["document"]["download_url"] == reverse(
        "documents:download", args=[consent["document"]["id"]]
    )
    assert sample == {"name": SAMPLE, "missing": True, "course_asks": True, "document": None}


def test_an_upload_is_stored_and_answered_201(guardian, learner, course):
    answer = post(api(guardian), learner, course, SAMPLE, image_bytes(fmt="JPEG"), "p.jpg")
    assert answer.status_code == 201
    body = answer.json()
    document = Document.objects.get()
    assert body["id"] == document.pk and body["content_type"] == "image/jpeg"
    assert body["status_display"] and body["uploaded_at_jalali"]


def test_a_file_larger_than_the_json_limit_is_taken(guardian, learner, course, settings):
    """The upload path has its own limit (the documents' 5 MB), not the API's 64 KB."""
    settings.KARGAH_API_MAX_BODY_BYTES = 1024
    data = image_bytes(size=(900, 900))
    assert len(data) > 1024
    assert post(api(guardian), learner, course, SAMPLE, data, "big.png").status_code == 201
    # Any other API path still answers 413 over its limit.
    other = api(GuardianFactory.create()).post(
        "/api/v1/refund-requests", "x" * 2048, content_type="application/json"
    )
    assert other.status_code == 413


def test_a_body_over_the_upload_limit_is_413_before_it_is_read(guardian, learner, course):
    data = b"%PDF-" + b"0" * (UPLOAD_MAX_BODY_BYTES + 10)
    answer = post(api(guardian), learner, course, SAMPLE, data)
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large"
    assert not Document.objects.exists()


def test_a_file_over_the_documents_limit_gets_the_checks_answer(guardian, learner, course):
    data = b"%PDF-" + b"0" * MAX_BYTES
    answer = post(api(guardian), learner, course, SAMPLE, data)
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_document" and "مگابایت" in answer.json()["detail"]


def test_a_bad_file_is_the_checks_persian_answer(guardian, learner, course):
    answer = post(api(guardian), learner, course, CONSENT, b"<html></html>", "c.pdf")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "bad_document" and "PDF" in body["detail"]
    assert "پذیرفته" in body["detail"]
    assert not Document.objects.exists()


def test_a_missing_file_is_a_validation_error(guardian, learner, course):
    answer = api(guardian).post(URL, {"learner": learner.pk, "course": course.pk, "name": SAMPLE})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid" and "file" in body["errors"]


def test_json_is_refused_with_the_error_contract(guardian, learner, course):
    answer = api(guardian).post(
        URL, {"learner": learner.pk, "course": course.pk}, content_type="application/json"
    )
    assert answer.status_code == 415
    assert set(answer.json()) == {"detail", "code"}


def test_a_broken_multipart_body_is_a_persian_400(guardian):
    answer = api(guardian).post(URL, b"--x\r\nnonsense", content_type="multipart/form-data")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "parse_error" and not re.search("[A-Za-z]", body["detail"])


def test_another_familys_child_is_404(learner, course):
    answer = post(api(GuardianFactory.create()), learner, course, CONSENT, pdf_bytes())
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_a_linked_child_is_read_only(learner, course):
    other = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=learner, family=other.family, status=LinkStatus.APPROVED, requested_by=other
    )
    client = api(other)
    assert post(client, learner, course, CONSENT, pdf_bytes()).status_code == 403
    EnrollmentFactory.create(learner=learner, offering=OfferingFactory.create(course=course))
    (item,) = client.get(URL).json()["needs"]
    assert item["can_upload"] is False


def test_an_approved_document_is_409(guardian, learner, course, staff):
    document = services.document_upload(
        guardian=guardian, learner=learner, course=course, name=CONSENT,
        file=upload(pdf_bytes(), "c.pdf"),
    )  # fmt: skip
    services.document_review(actor=staff, document=document, approve=True)
    answer = post(api(guardian), learner, course, CONSENT, pdf_bytes())
    assert answer.status_code == 409 and answer.json()["code"] == "document_approved"
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED


def test_an_unknown_document_name_is_400(guardian, learner, course):
    answer = post(api(guardian), learner, course, "کارنامه", pdf_bytes())
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_document"


@pytest.mark.parametrize("who", ["staff", "anonymous"])
def test_only_guardians(who, staff, learner, course):
    client = api(staff) if who == "staff" else Client()
    answer = client.get(URL)
    assert answer.status_code in {401, 403} and "detail" in answer.json()


@override_settings(LANGUAGE_CODE="fa")
def test_the_schema_documents_the_upload_as_multipart():
    schema = Client().get("/api/schema/?format=json").json()
    operation = schema["paths"][URL]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"400", "403", "404", "409", "413"} <= set(operation["responses"])
