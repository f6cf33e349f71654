"""JSON API of the public catalog: the filtered list of offerings and one offering with its
whole schedule. Open to everyone; bad filters are a 400 with Persian messages (rule 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from kargah.accounts.models import Center, Province
from kargah.catalog import selectors
from kargah.catalog.cache import cached_for_visitors
from kargah.catalog.forms_public import MAX_SEATS, QUERY_MAX_LENGTH
from kargah.catalog.models import (
    AgeGroup,
    Category,
    Offering,
    Session,
    TimeOfDay,
)
from kargah.catalog.schedule import parse_pattern
from kargah.catalog.views_public import current_conditions
from kargah.core.errors import DomainError
from kargah.core.forms import MAX_RIALS, latin_digits_data
from kargah.core.persian import WEEKDAYS_FA, format_money, to_jalali, to_tehran
from kargah.core.serializers import ChoiceField, RialsField, Serializer

# The largest id the database's 64-bit keys hold: a bigger number is a 400, not an overflow.
MAX_ID = 2**63 - 1
MAX_AGE = 120


# --- Jalali strings with Latin digits, whatever the language of the request ------------


def jalali_date(value: dt.date | dt.datetime) -> str:
    """1403/01/15 (Tehran date of a datetime)."""
    j = to_jalali(value)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def tehran_hhmm(value: dt.datetime) -> str:
    return to_tehran(value).strftime("%H:%M")


def jalali_datetime(value: dt.datetime | None) -> str | None:
    """1403/01/15 16:00 in Tehran time, or None."""
    return None if value is None else f"{jalali_date(value)} {tehran_hhmm(value)}"


def weekday_fa(value: dt.date | dt.datetime) -> str:
    return WEEKDAYS_FA[to_jalali(value).weekday()]


# --- filters ---------------------------------------------------------------------------


def _id_field() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class OfferingFilterSerializer(Serializer):
    """The catalog's query parameters; the same filters as the catalog page."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=QUERY_MAX_LENGTH)
    category = _id_field()
    age = serializers.IntegerField(required=False, min_value=0, max_value=MAX_AGE)
    age_group = _id_field()
    center = _id_field()
    province = _id_field()
    weekday = serializers.IntegerField(required=False, min_value=0, max_value=6)
    time_of_day = ChoiceField(required=False, choices=TimeOfDay.choices)
    fee_min = RialsField(required=False, min_value=0, max_value=MAX_RIALS)
    fee_max = RialsField(required=False, min_value=0, max_value=MAX_RIALS)
    seats_left_min = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEATS)
    registration_open = serializers.BooleanField(required=False, default=False)

    _MODELS: dict[str, tuple[type[Any], Any]] = {
        "category": (Category, _("No field or sub-category has this id.")),
        "age_group": (AgeGroup, _("No age group has this id.")),
        "center": (Center, _("No center has this id.")),
        "province": (Province, _("No province has this id.")),
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[Any]] = {}
        for name, (model, message) in self._MODELS.items():
            if attrs.get(name) and not model.objects.filter(pk=attrs[name]).exists():
                errors[name] = [message]
        fee_min, fee_max = attrs.get("fee_min"), attrs.get("fee_max")
        if fee_min is not None and fee_max is not None and fee_min > fee_max:
            errors["fee_max"] = [_("The highest fee is less than the lowest fee.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def filters(self) -> selectors.CatalogFilters:
        data = self.validated_data
        return selectors.CatalogFilters(
            query=data.get("q", ""),
            category_id=data.get("category"),
            age=data.get("age"),
            age_group_id=data.get("age_group"),
            center_id=data.get("center"),
            province_id=data.get("province"),
            weekday=data.get("weekday"),
            time_of_day=data.get("time_of_day", ""),
            fee_min=data.get("fee_min"),
            fee_max=data.get("fee_max"),
            seats_left_min=data.get("seats_left_min"),
            registration_open=bool(data.get("registration_open")),
        )


def _int(minimum: int, maximum: int) -> dict[str, Any]:
    """An integer parameter's schema with the bounds OfferingFilterSerializer enforces."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


FILTER_PARAMETERS = [
    OpenApiParameter(
        "q", {"type": "string", "maxLength": QUERY_MAX_LENGTH},
        description="Search in titles and descriptions (Persian, Arabic or Latin letters and "
        "digits; spaces and zero-width non-joiners ignored).",
    ),
    OpenApiParameter(
        "category", _int(1, MAX_ID), description="A field or sub-category id; a field "
        "includes its sub-categories. An id that does not exist is a 400."
    ),
    OpenApiParameter("age", _int(0, MAX_AGE), description="The child's age in whole years."),
    OpenApiParameter("age_group", _int(1, MAX_ID), description="An age group id."),
    OpenApiParameter("center", _int(1, MAX_ID), description="A center id."),
    OpenApiParameter("province", _int(1, MAX_ID), description="A province id (its centers)."),
    OpenApiParameter(
        "weekday", _int(0, 6),
        description="A day of the week the class meets: Saturday 0 … Friday 6.",
    ),
    OpenApiParameter(
        "time_of_day", OpenApiTypes.STR, enum=TimeOfDay.values,
        description="When the earliest weekly session starts: morning (before 12:00), "
        "afternoon (before 17:00) or evening, Tehran time.",
    ),
    OpenApiParameter("fee_min", _int(0, MAX_RIALS), description="Lowest fee, in Rials."),
    OpenApiParameter(
        "fee_max", _int(0, MAX_RIALS),
        description="Highest fee, in Rials (not below fee_min: that is a 400).",
    ),
    OpenApiParameter(
        "seats_left_min", _int(0, MAX_SEATS), description="At least this many free seats."
    ),
    OpenApiParameter(
        "registration_open", OpenApiTypes.BOOL,
        description="Only offerings whose registration window is open now.",
    ),
]  # fmt: skip


# --- output ----------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    """A field or a sub-category; a sub-category names its field (parent)."""

    parent_id = serializers.IntegerField(allow_null=True, read_only=True)
    parent_name = serializers.CharField(source="parent.name", allow_null=True, read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "kind", "parent_id", "parent_name"]


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["id", "name"]


class CenterSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer(allow_null=True)

    class Meta:
        model = Center
        fields = ["id", "name", "province"]


class AgeGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgeGroup
        fields = ["id", "name", "min_age", "max_age"]


class WeeklySlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="Saturday 0 … Friday 6")
    weekday_name = serializers.CharField()
    start = serializers.CharField(help_text="HH:MM, Tehran time")


class SessionSerializer(serializers.ModelSerializer):
    date_jalali = serializers.SerializerMethodField()
    weekday = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField()
    end_time = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id", "number", "starts_at", "ends_at", "date_jalali", "weekday", "start_time",
            "end_time", "status", "makeup_for",
        ]  # fmt: skip

    def get_date_jalali(self, obj: Session) -> str:
        return jalali_date(obj.starts_at)

    def get_weekday(self, obj: Session) -> str:
        return weekday_fa(obj.starts_at)

    def get_start_time(self, obj: Session) -> str:
        return tehran_hhmm(obj.starts_at)

    def get_end_time(self, obj: Session) -> str:
        return tehran_hhmm(obj.ends_at)


class ConditionsSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    text = serializers.CharField()


class OfferingListSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="course.title")
    category = CategorySerializer(source="course.category")
    age_group = AgeGroupSerializer(source="course.age_group")
    center = CenterSerializer()
    seats_left = serializers.IntegerField()
    registration_open = serializers.SerializerMethodField()
    registration_opens_at_jalali = serializers.SerializerMethodField()
    registration_closes_at_jalali = serializers.SerializerMethodField()
    weekly_pattern = serializers.SerializerMethodField()
    first_session_at = serializers.SerializerMethodField()
    first_session_date_jalali = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    fee_display = serializers.SerializerMethodField(
        help_text="The fee as the site shows it, in its one money unit (Toman by default)."
    )

    class Meta:
        model = Offering
        fields = [
            "id", "title", "category", "age_group", "min_age", "max_age", "center",
            "fee_rials", "fee_display", "capacity", "seats_taken", "seats_left", "quorum", "status",
            "registration_open", "registration_opens_at", "registration_opens_at_jalali",
            "registration_closes_at", "registration_closes_at_jalali", "weekly_pattern",
            "time_of_day", "first_session_at", "first_session_date_jalali", "url",
        ]  # fmt: skip

    def _now(self) -> dt.datetime:
        return self.context.get("now") or timezone.now()

    def get_fee_display(self, obj: Offering) -> str | None:
        return None if obj.fee_rials is None else format_money(obj.fee_rials)

    def get_registration_open(self, obj: Offering) -> bool:
        return obj.registration_is_open(self._now())

    def get_registration_opens_at_jalali(self, obj: Offering) -> str | None:
        return jalali_datetime(obj.registration_opens_at)

    def get_registration_closes_at_jalali(self, obj: Offering) -> str | None:
        return jalali_datetime(obj.registration_closes_at)

    @extend_schema_field(WeeklySlotSerializer(many=True))
    def get_weekly_pattern(self, obj: Offering) -> list[dict[str, Any]]:
        try:
            slots = parse_pattern(obj.weekly_pattern)
        except DomainError:
            return []
        return [
            {
                "weekday": slot.weekday,
                "weekday_name": WEEKDAYS_FA[slot.weekday],
                "start": slot.start.strftime("%H:%M"),
            }
            for slot in slots
        ]

    def _first_session(self, obj: Offering) -> dt.datetime | None:
        annotated = getattr(obj, "first_session_at", None)
        if annotated is not None:
            return annotated
        if "sessions" in getattr(obj, "_prefetched_objects_cache", {}):
            return min((s.starts_at for s in obj.sessions.all()), default=None)
        return None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_first_session_at(self, obj: Offering) -> str | None:
        first = self._first_session(obj)
        return None if first is None else serializers.DateTimeField().to_representation(first)

    def get_first_session_date_jalali(self, obj: Offering) -> str | None:
        first = self._first_session(obj)
        return None if first is None else jalali_date(first)

    def get_url(self, obj: Offering) -> str:
        return self._absolute(reverse("api-offering", args=[obj.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class OfferingDetailSerializer(OfferingListSerializer):
    description = serializers.CharField(source="course.description")
    syllabus = serializers.CharField(source="course.syllabus")
    session_minutes = serializers.IntegerField(source="course.session_minutes")
    required_documents = serializers.ListField(
        source="course.required_documents", child=serializers.CharField()
    )
    instructors = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True)
    page_url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    class Meta(OfferingListSerializer.Meta):
        fields = [
            *OfferingListSerializer.Meta.fields,
            "description", "syllabus", "session_minutes", "required_documents",
            "instructors", "conditions", "sessions", "page_url", "ics_url",
        ]  # fmt: skip

    def get_instructors(self, obj: Offering) -> list[str]:
        return [str(person) for person in obj.instructors.all()]

    @extend_schema_field(ConditionsSerializer(allow_null=True))
    def get_conditions(self, obj: Offering) -> dict[str, Any] | None:
        conditions = current_conditions(obj)
        return (
            None if conditions is None else {"version": conditions.version, "text": conditions.text}
        )

    def get_page_url(self, obj: Offering) -> str:
        return self._absolute(reverse("catalog:detail", args=[obj.pk]))

    def get_ics_url(self, obj: Offering) -> str:
        return self._absolute(reverse("catalog:ics", args=[obj.pk]))


# --- views -----------------------------------------------------------------------------


class OfferingListView(generics.ListAPIView):
    """The public catalog: published offerings matching the filters, 20 a page."""

    permission_classes = [AllowAny]
    serializer_class = OfferingListSerializer

    def get_queryset(self) -> Any:
        params = OfferingFilterSerializer(data=latin_digits_data(self.request.query_params))
        params.is_valid(raise_exception=True)
        return selectors.offering_catalog(filters=params.filters())

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OfferingListSerializer(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return cached_for_visitors(super().as_view(**initkwargs))


class OfferingDetailView(generics.GenericAPIView):
    """One published offering with every session, its instructors and current conditions;
    a draft is a 404."""

    permission_classes = [AllowAny]
    serializer_class = OfferingDetailSerializer

    @extend_schema(responses=OfferingDetailSerializer)
    def get(self, request: Request, offering_id: int) -> Response:
        offering = selectors.offering_public_detail(offering_id=offering_id)
        return Response(self.get_serializer(offering).data)
