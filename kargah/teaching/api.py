"""JSON API of attendance for the instructor: a session's sheet (`GET /api/v1/attendance
?session=`) and confirming or correcting one learner (`POST /api/v1/attendance`)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kargah.accounts.models import User
from kargah.catalog.api import MAX_ID, jalali_datetime
from kargah.catalog.models import Session
from kargah.core.api import error_responses
from kargah.core.serializers import ChoiceField, Serializer
from kargah.teaching import selectors, services
from kargah.teaching.models import Attendance, AttendanceStatus


class AttendanceRowSerializer(Serializer):
    learner = serializers.IntegerField(read_only=True)
    learner_name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, read_only=True, allow_null=True,
        help_text="Null until the classroom proposes or the instructor sets it.",
    )  # fmt: skip
    minutes_attended = serializers.IntegerField(read_only=True)
    set_by = serializers.CharField(
        read_only=True, allow_null=True,
        help_text="classroom (proposed from the minutes in the room) or instructor (changed by a person).",
    )  # fmt: skip
    confirmed = serializers.BooleanField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AttendanceSheetSerializer(Serializer):
    session = serializers.IntegerField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    starts_at_jalali = serializers.CharField(read_only=True)
    editable = serializers.BooleanField(
        read_only=True, help_text="Whether the caller may still confirm or correct it."
    )
    confirm_until = serializers.DateTimeField(read_only=True)
    rows = AttendanceRowSerializer(many=True, read_only=True)


class AttendanceQuerySerializer(Serializer):
    session = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class AttendanceMarkSerializer(Serializer):
    session = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    learner = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    status = ChoiceField(choices=AttendanceStatus.choices)


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _row(learner_id: int, name: str, row: Attendance | None) -> dict[str, Any]:
    return {
        "learner": learner_id,
        "learner_name": name,
        "status": row.status if row else None,
        "minutes_attended": row.minutes_attended if row else 0,
        "set_by": row.source if row else None,
        "confirmed": bool(row and row.is_confirmed),
        "confirmed_at": row.confirmed_at if row else None,
    }


class AttendanceView(APIView):
    """A session's attendance sheet for its instructor (or the center's staff); any other
    session is a 404, as on the desk."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A session's attendance sheet",
        parameters=[
            OpenApiParameter("session", int, required=True, description="The session's id.")
        ],
        responses={
            200: AttendanceSheetSerializer,
            **error_responses(s404="No such session among the caller's classes."),
        },
    )
    def get(self, request: Request) -> Response:
        query = AttendanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = _user(request)
        session = selectors.session_for_desk(user=user, session_id=query.validated_data["session"])
        return Response(AttendanceSheetSerializer(_sheet(user, session)).data)

    @extend_schema(
        summary="Confirm or correct one learner's attendance",
        request=AttendanceMarkSerializer,
        responses={
            200: AttendanceSheetSerializer,
            **error_responses(
                s400="Not valid, or the session is cancelled, not started, or its time to "
                "confirm has passed (code window_closed).",
                s403="Only the class's instructor (or the center's staff) records attendance.",
                s404="No such session among the caller's classes, or no such learner in it.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = AttendanceMarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = _user(request)
        session = selectors.session_for_desk(user=user, session_id=data["session"])
        learner = get_object_or_404(
            selectors.roster_learners(offering=session.offering), pk=data["learner"]
        )
        services.attendance_mark(
            actor=user, session=session, learner=learner, status=data["status"]
        )
        return Response(AttendanceSheetSerializer(_sheet(user, session)).data)


def _sheet(user: User, session: Session) -> dict[str, Any]:
    now = timezone.now()
    return {
        "session": session.pk,
        "starts_at": session.starts_at,
        "starts_at_jalali": jalali_datetime(session.starts_at) or "",
        "editable": selectors.sheet_editable(user=user, session=session, now=now),
        "confirm_until": selectors.confirm_deadline(session),
        "rows": [
            _row(r.learner.pk, r.learner.full_name, r.attendance)
            for r in selectors.attendance_sheet(session=session)
        ],
    }
