"""Admin for the catalog. A published offering and every session change only through the
staff pages' services (audited, families told: issue 11), so here they are read-only; a
draft stays editable."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.catalog.models import (
    AgeGroup,
    Category,
    Course,
    CourseConditions,
    Holiday,
    Offering,
    OfferingStatus,
    Session,
    Tag,
    Term,
)
from kargah.core.admin_dates import ModelAdmin, TabularInline


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ("name", "kind", "parent", "icon", "slug")
    list_filter = ("kind",)


@admin.register(AgeGroup)
class AgeGroupAdmin(ModelAdmin):
    list_display = ("name", "code", "min_age", "max_age")


class ConditionsInline(TabularInline):
    model = CourseConditions
    extra = 0
    readonly_fields = ("version", "text", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ModelAdmin):
    list_display = ("title", "center", "category", "age_group", "session_count")
    list_filter = ("center", "category__kind")
    search_fields = ("title",)
    filter_horizontal = ("tags",)
    inlines = [ConditionsInline]


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ("name", "synonyms")
    search_fields = ("name", "synonyms")


@admin.register(Term)
class TermAdmin(ModelAdmin):
    list_display = ("name", "center", "starts_on", "ends_on")


class SessionInline(TabularInline):
    model = Session
    extra = 0
    fields = ("number", "starts_at", "ends_at", "status", "makeup_for")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Offering)
class OfferingAdmin(ModelAdmin):
    list_display = ("__str__", "center", "status", "capacity", "seats_taken", "quorum", "fee_rials")
    list_filter = ("status", "center", "term")
    search_fields = ("course__title",)
    readonly_fields = ("status", "published_at", "seats_taken")
    filter_horizontal = ("instructors",)
    inlines = [SessionInline]

    # The admin was a back door round offering_change_published (issue 11 item 11): once
    # published, capacity, fee, window and pattern are seen here, changed on the staff page.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != OfferingStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != OfferingStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Holiday)
class HolidayAdmin(ModelAdmin):
    list_display = (
        "date", "name", "source", "province", "center", "is_estimate", "is_removed", "reference",
    )  # fmt: skip
    list_filter = ("source", "jalali_year", "is_estimate", "is_removed")
