"""JSON API of the accounts app: sign-in by one-time code, tokens, the family's learners and
the links of a child to a second guardian (docs/learner-links.md)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kargah.accounts import selectors, services
from kargah.accounts.models import (
    Gender,
    Learner,
    LearnerLink,
    LinkStatus,
    Province,
    Role,
    SchoolGrade,
    User,
)
from kargah.accounts.validators import normalize_mobile, normalize_national_code
from kargah.core.api import error_responses
from kargah.core.http import client_ip
from kargah.core.outage import CACHE_ERRORS
from kargah.core.parsers import StrictJSONParser
from kargah.core.permissions import guardian_only
from kargah.core.persian import format_jalali_date, parse_jalali_date, to_latin_digits
from kargah.core.serializers import ChoiceField, ModelSerializer, NameField, Serializer

logger = logging.getLogger(__name__)


def _django_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.messages)


class MobileSerializer(Serializer):
    mobile = serializers.CharField(max_length=20)

    def validate_mobile(self, value: str) -> str:
        try:
            return normalize_mobile(value)
        except DjangoValidationError as exc:
            raise _django_error(exc) from None


class CodeSerializer(MobileSerializer):
    code = serializers.CharField(
        max_length=6,
        min_length=6,
        error_messages={
            "min_length": _("The code has six digits."),
            "max_length": _("The code has six digits."),
        },
    )

    def validate_code(self, value: str) -> str:
        value = to_latin_digits(value).strip()
        if not value.isdigit():
            raise serializers.ValidationError(_("The code has six digits."))
        return value


class CodeSentSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    resend_after_seconds = serializers.IntegerField()


class StaffTokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    role = serializers.CharField()


IsGuardian = guardian_only(_("Only a guardian can add or edit children."))


class OtpRequestView(APIView):
    """Sends a sign-in code by SMS to an Iranian mobile number."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=MobileSerializer,
        responses={
            202: CodeSentSerializer,
            **error_responses(
                s403="A staff member's number: staff sign in with a password.",
                s429="Asked too soon or too often (code too_soon, mobile_rate, ip_rate, "
                "locked); Retry-After when the wait is known.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = MobileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sent = services.otp_request(
            mobile=serializer.validated_data["mobile"], ip=client_ip(request)
        )
        return Response(
            {
                "expires_at": sent.expires_at.isoformat(),
                "resend_after_seconds": sent.resend_after_seconds,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class OtpVerifyView(APIView):
    """Exchanges a valid sign-in code for an API token (the same one on every sign-in)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=CodeSerializer,
        responses={
            200: TokenSerializer,
            **error_responses(s429="Too many wrong codes: the number is locked for a while."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.otp_verify(
            mobile=serializer.validated_data["mobile"], code=serializer.validated_data["code"]
        )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "role": user.role})


class StaffTokenThrottle(AnonRateThrottle):
    rate = "20/hour"

    def allow_request(self, request: Request, view: APIView) -> bool:
        # The shared cache is a helper (issue 8, item 6): while Redis is down, staff can
        # still sign in, unthrottled for that while, rather than get a 500.
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            logger.warning("accounts: the shared cache is unreachable; token sign-in unthrottled")
            return True


@extend_schema_view(
    post=extend_schema(
        responses={
            200: StaffTokenSerializer,
            **error_responses(s429="Too many attempts from this connection (20 an hour)."),
        }
    )
)
class StaffTokenView(ObtainAuthToken):
    """Staff exchange their username and password for an API token."""

    throttle_classes = [StaffTokenThrottle]
    # ObtainAuthToken also takes forms; the API takes JSON only (one parser, one contract).
    parser_classes = [StrictJSONParser]


class MeSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(source="mobile_display", read_only=True)
    # A guardian belongs to no center: null.
    center = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "mobile", "role", "center"]


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


@extend_schema_field(
    {"type": "string", "description": "year/month/day in the Persian calendar: 1395/04/12"}
)
class JalaliDateField(serializers.Field):
    """Reads a Jalali date (any digits); writes both ISO and Jalali forms."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return parse_jalali_date(str(data))
        except ValueError:
            raise serializers.ValidationError(
                _("Enter the date as year/month/day in the Persian calendar, e.g. 1395/04/12.")
            ) from None

    def to_representation(self, value: Any) -> str:
        return to_latin_digits(format_jalali_date(value))


class LearnerSerializer(ModelSerializer):
    first_name = NameField(max_length=100)
    last_name = NameField(max_length=100)
    birth_date_jalali = JalaliDateField(source="birth_date")
    national_code = serializers.CharField(max_length=12)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.all(),
        error_messages={
            "does_not_exist": _("No province has this id."),
            "incorrect_type": _("Choose a province by its id (a whole number)."),
        },
    )
    gender = ChoiceField(choices=Gender.choices)
    school_grade = ChoiceField(choices=SchoolGrade.choices)
    data_confirmed = serializers.BooleanField(
        write_only=True,
        help_text="The guardian confirms the child's data is true (R3): required, also on "
        "PATCH; false or missing is a 400 (code confirm).",
    )
    relation = serializers.SerializerMethodField()

    class Meta:
        model = Learner
        fields = [
            "id", "first_name", "last_name", "birth_date_jalali", "national_code", "gender",
            "province", "school_grade", "data_confirmed", "data_confirmed_at", "relation",
        ]  # fmt: skip
        read_only_fields = ["id", "data_confirmed_at"]

    def validate_national_code(self, value: str) -> str:
        try:
            return normalize_national_code(value)
        except DjangoValidationError as exc:
            raise _django_error(exc) from None

    def to_representation(self, instance: Learner) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["birth_date"] = instance.birth_date.isoformat()
        return data

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["own", "linked"],
            help_text="own: a child of this family (it may edit it); linked: a child another "
            "guardian registered and linked to this family (read-only).",
        )
    )
    def get_relation(self, instance: Learner) -> str:
        return "linked" if instance.family_id != self.context.get("family_id") else "own"


class NeutralAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A Persian message for the guardian.")
    code = serializers.CharField(help_text="link_requested")


def _family_context(request: Request) -> dict[str, Any]:
    family = getattr(request.user, "family", None)
    return {"family_id": family.pk if family is not None else None}


def _service_fields(validated: dict[str, Any]) -> dict[str, Any]:
    fields = dict(validated)
    fields["school_grade"] = int(fields["school_grade"]) if "school_grade" in fields else None
    if fields["school_grade"] is None:
        fields.pop("school_grade")
    return fields


class LearnerListView(APIView):
    """The guardian's children (its own, and read-only those linked to it); or add one."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(responses=LearnerSerializer(many=True))
    def get(self, request: Request) -> Response:
        learners = selectors.learner_visible_list_for(user=request.user)  # type: ignore[arg-type]
        return Response(
            LearnerSerializer(learners, many=True, context=_family_context(request)).data
        )

    @extend_schema(
        request=LearnerSerializer,
        responses={
            201: OpenApiResponse(LearnerSerializer, description="A new child, added."),
            202: OpenApiResponse(
                NeutralAnswerSerializer,
                description="The national code is registered (or may be): the same answer "
                "whether or not it is, and whether or not the birth date matched; when both "
                "match, the guardian who registered the child is asked to approve a link. "
                "Nothing about the child or its family is returned.",
            ),
            **error_responses(
                s400="Refused; nothing changed.",
                s429="Too many children added today (code learner_adds).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LearnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.learner_add(
            guardian=request.user,  # type: ignore[arg-type]
            **_service_fields(serializer.validated_data),
        )
        if added.learner is None:
            return Response(
                {"detail": added.message, "code": "link_requested"},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(
            LearnerSerializer(added.learner, context=_family_context(request)).data,
            status=status.HTTP_201_CREATED,
        )


class LearnerDetailView(APIView):
    """One of the guardian's children (or a linked one, read-only); another family's child
    is a 404."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(responses=LearnerSerializer)
    def get(self, request: Request, learner_id: int) -> Response:
        learner = selectors.learner_get_visible_for(user=request.user, learner_id=learner_id)  # type: ignore[arg-type]
        return Response(LearnerSerializer(learner, context=_family_context(request)).data)

    @extend_schema(
        request=LearnerSerializer,
        responses={
            200: LearnerSerializer,
            **error_responses(
                s403="A linked child: only its own guardian edits it (code not_owner)."
            ),
        },
    )
    def patch(self, request: Request, learner_id: int) -> Response:
        learner = selectors.learner_get_visible_for(user=request.user, learner_id=learner_id)  # type: ignore[arg-type]
        serializer = LearnerSerializer(learner, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = _service_fields(serializer.validated_data)
        confirmed = fields.pop("data_confirmed", False)
        learner = services.learner_update(
            guardian=request.user,  # type: ignore[arg-type]
            learner=learner,
            data_confirmed=confirmed,
            **fields,
        )
        return Response(LearnerSerializer(learner, context=_family_context(request)).data)


# --- links of a child to a second guardian ----------------------------------------------------


class LearnerLinkSerializer(serializers.ModelSerializer):
    learner_name = serializers.CharField(source="learner.full_name", read_only=True)
    requester_mobile = serializers.CharField(
        source="requester_mobile_masked",
        read_only=True,
        help_text="The requesting guardian's mobile, masked (0912***4567).",
    )

    class Meta:
        model = LearnerLink
        fields = ["id", "learner", "learner_name", "status", "requester_mobile", "requested_at"]
        read_only_fields = fields


def _links_for(user: User) -> Any:
    if user.role == Role.GUARDIAN:
        return selectors.learner_links_of_owner(user=user)
    return selectors.learner_links_for_staff(user=user).filter(status=LinkStatus.REQUESTED)


class LearnerLinkListView(APIView):
    """For a guardian: the requests and links on the family's own children (asked or
    approved); for center staff: the requests of their center's learners waiting for a
    decision. The requesting guardian is shown only by a masked number."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LearnerLinkSerializer(many=True))
    def get(self, request: Request) -> Response:
        links = _links_for(request.user)  # type: ignore[arg-type]
        return Response(LearnerLinkSerializer(links, many=True).data)


LINK_SERVICES = services.LINK_DECISIONS


class LearnerLinkDecideView(APIView):
    """Approve or reject a request, or revoke an approved link: the owner guardian, or
    staff of the child's center (approve, reject, revoke)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=sorted(LINK_SERVICES))
        ],
        responses={
            200: LearnerLinkSerializer,
            **error_responses(
                s400="Already decided (code link_state).",
                s404="Not a request this user may decide.",
            ),
        },
    )
    def post(self, request: Request, link_id: int, action: str) -> Response:
        service = LINK_SERVICES.get(action)
        link = _links_for(request.user).filter(pk=link_id).first()  # type: ignore[arg-type]
        if service is None or link is None:
            raise NotFound(_("This request was not found."))
        link = service(actor=request.user, link=link)  # type: ignore[arg-type]
        return Response(LearnerLinkSerializer(link).data)
