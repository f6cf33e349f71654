"""JSON API of a family's documents (R1): what each child's courses ask for and what was
handed in (`GET /api/v1/documents`), and handing one in (`POST`, multipart)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kargah.accounts.models import User
from kargah.accounts.selectors import learner_visible_list_for
from kargah.catalog.api import MAX_ID, jalali_datetime
from kargah.catalog.models import Course
from kargah.core.api import error_responses
from kargah.core.errors import NotAllowed
from kargah.core.permissions import guardian_only
from kargah.core.persian import localize_digits
from kargah.core.serializers import Serializer
from kargah.documents import selectors, services
from kargah.documents.checks import MAX_BYTES
from kargah.documents.models import Document

# What an upload's body may weigh: the largest file the checks take, and room for the
# other fields and the multipart framing. kargah.core.api_middleware allows it on this path.
UPLOAD_MAX_BODY_BYTES = MAX_BYTES + 64 * 1024


IsGuardian = guardian_only(
    gettext_lazy("Only a guardian can see and hand in the family's documents.")
)


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class DocumentMultiPartParser(MultiPartParser):
    """Multipart, on the upload only (the API's parser is JSON, kargah.core.parsers), refusing
    a body over UPLOAD_MAX_BODY_BYTES with a 413 before it is read."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            length = 0
        if length > UPLOAD_MAX_BODY_BYTES:
            raise UploadTooLarge(
                _("The request is too large: a document may weigh at most %(size)s MB.")
                % {"size": localize_digits(MAX_BYTES // (1024 * 1024))}
            )
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:  # DRF's message is English and names the parser's internals
            raise ParseError(
                _("The request is not a valid multipart form."), code="parse_error"
            ) from None


class DocumentSerializer(serializers.ModelSerializer[Document]):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    uploaded_at_jalali = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "learner", "course", "name", "status", "status_display", "reason",
            "content_type", "size", "uploaded_at", "uploaded_at_jalali", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_uploaded_at_jalali(self, obj: Document) -> str:
        return jalali_datetime(obj.uploaded_at) or ""

    def get_download_url(self, obj: Document) -> str:
        """The site's access-checked download (signed in as the family), never a file path."""
        return reverse("documents:download", args=[obj.pk])


class DocumentNeedSerializer(Serializer):
    name = serializers.CharField(read_only=True, help_text="The name the course gives it.")
    missing = serializers.BooleanField(
        read_only=True, help_text="Nothing handed in, or the last one was rejected."
    )
    course_asks = serializers.BooleanField(
        source="required",
        read_only=True,
        help_text="False for a document the course no longer asks for.",
    )
    document = DocumentSerializer(read_only=True, allow_null=True)


class CourseNeedsSerializer(Serializer):
    learner = serializers.IntegerField(source="learner.pk", read_only=True)
    learner_name = serializers.CharField(source="learner.full_name", read_only=True)
    course = serializers.IntegerField(source="course.pk", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    can_upload = serializers.BooleanField(
        source="own",
        read_only=True,
        help_text="False for a child linked by a second guardian's link: its own guardian "
        "hands in its documents (read-only here).",
    )
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)
    needs = DocumentNeedSerializer(many=True, read_only=True)


class DocumentOverviewSerializer(Serializer):
    needs = CourseNeedsSerializer(
        many=True,
        read_only=True,
        help_text="Each child with each course it is registered or about to register for "
        "(or has documents for) that asks for documents.",
    )


class DocumentUploadSerializer(Serializer):
    learner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of a child of the guardian's own family."
    )
    course = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Course id.")
    name = serializers.CharField(
        max_length=200, help_text="One of the course's required documents."
    )
    file = serializers.FileField(
        # DRF's own message names "the encoding type" in English words, also in Persian.
        error_messages={
            "invalid": gettext_lazy("What was sent is not a file: send the document as a file.")
        },
        help_text="PDF (at most 10 pages) or a JPEG or PNG picture, at most 5 MB; judged by its "
        "content. The whole request may weigh at most 5 MB and 64 KB.",
    )


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class DocumentListCreateView(APIView):
    """The family's documents and what is missing for each child's courses; and handing one
    in for a child of the family."""

    permission_classes = [IsAuthenticated, IsGuardian]
    parser_classes = [DocumentMultiPartParser]

    @extend_schema(summary="The family's documents and what each course asks for",
                   responses={200: DocumentOverviewSerializer})  # fmt: skip
    def get(self, request: Request) -> Response:
        overview = selectors.family_document_overview(guardian=_user(request))
        return Response(DocumentOverviewSerializer({"needs": overview}).data)

    @extend_schema(
        summary="Hand in a document for a child's course",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            **error_responses(
                s400="Not valid, or the file's content is refused (code bad_document, with "
                "what to do), or the course asks for no document of that name.",
                s403="The child is linked to the family, not its own: its own guardian hands "
                "in its documents.",
                s404="The child or the course is not found (or not the family's).",
                s409="That document is already approved (code document_approved).",
                s413="The request is larger than 5 MB and 64 KB.",
                s415="Not multipart/form-data.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        # A plain dict: copying the QueryDict (LatinDigitsMixin) would deep-copy the file.
        raw = request.data if isinstance(request.data, Mapping) else {}
        serializer = DocumentUploadSerializer(data={key: raw[key] for key in raw})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = _user(request)
        learner = learner_visible_list_for(user=user).filter(pk=data["learner"]).first()
        course = Course.objects.filter(pk=data["course"]).first()
        if learner is None or course is None:
            raise Http404
        if learner.family.guardian_id != user.pk:
            raise NotAllowed(
                gettext_lazy("Only the child's guardian can hand in the child's documents.")
            )
        document = services.document_upload(
            guardian=user, learner=learner, course=course, name=data["name"], file=data["file"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)
