"""JSON API of the device check: each of the guardian's children with its latest check
(`GET /api/v1/device-checks`), and keeping a check's result (`POST`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kargah.accounts.models import Role, User
from kargah.catalog.api import MAX_ID, jalali_datetime
from kargah.core.api import error_responses
from kargah.core.serializers import Serializer
from kargah.devicecheck import selectors, services
from kargah.devicecheck.forms import MAX_DOWNLOAD_KBPS, MAX_RTT_MS
from kargah.devicecheck.models import DeviceCheck


class IsGuardian(BasePermission):
    message = gettext_lazy("Only a guardian can run the device check for a child.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.GUARDIAN)


class DeviceCheckSerializer(serializers.ModelSerializer[DeviceCheck]):
    checked_at_jalali = serializers.SerializerMethodField()

    class Meta:
        model = DeviceCheck
        fields = [
            "id", "learner", "checked_at", "checked_at_jalali", "browser_name",
            "browser_version", "os_name", "browser_ok", "camera_ok", "microphone_ok",
            "speaker_ok", "rtt_ms", "download_kbps", "connection_ok", "passed",
        ]  # fmt: skip
        read_only_fields = fields

    def get_checked_at_jalali(self, obj: DeviceCheck) -> str:
        return jalali_datetime(obj.checked_at) or ""


class LearnerDeviceCheckSerializer(Serializer):
    learner = serializers.IntegerField(read_only=True)
    learner_name = serializers.CharField(read_only=True)
    current = serializers.BooleanField(
        read_only=True,
        help_text="The latest check passed and is younger than KARGAH_DEVICE_CHECK_VALID_DAYS "
        "(30 days by default); false means the child needs a check before class.",
    )
    latest = DeviceCheckSerializer(read_only=True, allow_null=True)
    check_url = serializers.CharField(read_only=True, help_text="The device check page.")


class DeviceCheckCreateSerializer(Serializer):
    learner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A child of the family, or linked to it."
    )
    camera_ok = serializers.BooleanField(help_text="The camera showed a picture.")
    microphone_ok = serializers.BooleanField(help_text="The microphone's level moved.")
    speaker_ok = serializers.BooleanField(help_text="The learner heard the test sound.")
    rtt_ms = serializers.IntegerField(
        min_value=0, max_value=MAX_RTT_MS, allow_null=True, required=False,
        help_text="Median round trip to /device-check/ping, in milliseconds.",
    )  # fmt: skip
    download_kbps = serializers.IntegerField(
        min_value=0, max_value=MAX_DOWNLOAD_KBPS, allow_null=True, required=False,
        help_text="Download speed of /device-check/payload, in kilobits a second.",
    )  # fmt: skip


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class DeviceCheckListCreateView(APIView):
    """The guardian's children with their latest device check; and keeping a new one. The
    browser is judged from the request's User-Agent and the connection from the numbers."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(summary="Each child's latest device check",
                   responses={200: LearnerDeviceCheckSerializer(many=True)})  # fmt: skip
    def get(self, request: Request) -> Response:
        rows = [
            {
                "learner": learner.pk,
                "learner_name": learner.full_name,
                "current": selectors.is_current(check),
                "latest": check,
                "check_url": f"{reverse('devicecheck:check')}?learner={learner.pk}",
            }
            for learner, check in selectors.device_checks_of_guardian(user=_user(request))
        ]
        return Response(LearnerDeviceCheckSerializer(rows, many=True).data)

    @extend_schema(
        summary="Keep a child's device check",
        request=DeviceCheckCreateSerializer,
        responses={
            201: DeviceCheckSerializer,
            **error_responses(
                s400="Not valid (each field's message in errors).",
                s404="The child is not found (or not the family's).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = DeviceCheckCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = _user(request)
        learner = selectors.learner_for_device_check(user=user, learner_id=data["learner"])
        check = services.device_check_record(
            actor=user,
            learner=learner,
            user_agent=request.headers.get("User-Agent", ""),
            camera_ok=data["camera_ok"],
            microphone_ok=data["microphone_ok"],
            speaker_ok=data["speaker_ok"],
            rtt_ms=data.get("rtt_ms"),
            download_kbps=data.get("download_kbps"),
        )
        return Response(DeviceCheckSerializer(check).data, status=status.HTTP_201_CREATED)
