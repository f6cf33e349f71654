"""JSON API of the accounts app: sign-in by one-time code, tokens, and the family's learners."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kargah.accounts import selectors, services
from kargah.accounts.models import Gender, Learner, Province, Role, SchoolGrade, User
from kargah.accounts.validators import normalize_mobile, normalize_national_code
from kargah.core.http import client_ip
from kargah.core.outage import CACHE_ERRORS
from kargah.core.persian import format_jalali_date, parse_jalali_date, to_latin_digits

logger = logging.getLogger(__name__)


def _django_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.messages)


class MobileSerializer(serializers.Serializer):
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


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    role = serializers.CharField()


class IsGuardian(BasePermission):
    message = _("Only a guardian can add or edit children.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.role == Role.GUARDIAN
        )


class OtpRequestView(APIView):
    """Sends a sign-in code by SMS to an Iranian mobile number."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=MobileSerializer, responses={202: None})
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

    @extend_schema(request=CodeSerializer, responses={200: TokenSerializer})
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


class StaffTokenView(ObtainAuthToken):
    """Staff exchange their username and password for an API token."""

    throttle_classes = [StaffTokenThrottle]


class MeSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(source="mobile_display", read_only=True)
    center: serializers.StringRelatedField = serializers.StringRelatedField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "mobile", "role", "center"]


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


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


class LearnerSerializer(serializers.ModelSerializer):
    birth_date_jalali = JalaliDateField(source="birth_date")
    national_code = serializers.CharField(max_length=12)
    province = serializers.PrimaryKeyRelatedField(queryset=Province.objects.all())
    gender = serializers.ChoiceField(choices=Gender.choices)
    school_grade = serializers.ChoiceField(choices=SchoolGrade.choices)
    data_confirmed = serializers.BooleanField(write_only=True)

    class Meta:
        model = Learner
        fields = [
            "id", "first_name", "last_name", "birth_date_jalali", "national_code", "gender",
            "province", "school_grade", "data_confirmed", "data_confirmed_at",
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


def _service_fields(validated: dict[str, Any]) -> dict[str, Any]:
    fields = dict(validated)
    fields["school_grade"] = int(fields["school_grade"]) if "school_grade" in fields else None
    if fields["school_grade"] is None:
        fields.pop("school_grade")
    return fields


class LearnerListView(APIView):
    """The guardian's children: list them, or add one."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(responses=LearnerSerializer(many=True))
    def get(self, request: Request) -> Response:
        learners = selectors.learner_list_for(user=request.user)  # type: ignore[arg-type]
        return Response(LearnerSerializer(learners, many=True).data)

    @extend_schema(request=LearnerSerializer, responses={201: LearnerSerializer})
    def post(self, request: Request) -> Response:
        serializer = LearnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        learner = services.learner_create(
            guardian=request.user,  # type: ignore[arg-type]
            **_service_fields(serializer.validated_data),
        )
        return Response(LearnerSerializer(learner).data, status=status.HTTP_201_CREATED)


class LearnerDetailView(APIView):
    """One of the guardian's children; another family's child is a 404."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(responses=LearnerSerializer)
    def get(self, request: Request, learner_id: int) -> Response:
        learner = selectors.learner_get_for(user=request.user, learner_id=learner_id)  # type: ignore[arg-type]
        return Response(LearnerSerializer(learner).data)

    @extend_schema(request=LearnerSerializer, responses=LearnerSerializer)
    def patch(self, request: Request, learner_id: int) -> Response:
        learner = selectors.learner_get_for(user=request.user, learner_id=learner_id)  # type: ignore[arg-type]
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
        return Response(LearnerSerializer(learner).data)
