"""Admin for users, centers, families and learners (national codes masked in lists)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import (
    Center,
    Family,
    Learner,
    LearnerLink,
    OneTimeCode,
    Province,
    User,
)
from kargah.core.admin_dates import JALALI_INPUTS, ModelAdmin, TabularInline


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    formfield_overrides = JALALI_INPUTS  # Django's own base, with Kargah's date inputs
    list_display = ("username", "mobile", "first_name", "last_name", "role", "center", "is_active")
    list_filter = ("role", "center", "is_active")
    search_fields = ("username", "mobile", "first_name", "last_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Kargah"), {"fields": ("mobile", "role", "center")}),
    )


@admin.register(Province)
class ProvinceAdmin(ModelAdmin):
    list_display = ("name", "code")


@admin.register(Center)
class CenterAdmin(ModelAdmin):
    list_display = ("name", "province", "is_virtual")


class LearnerInline(TabularInline):
    model = Learner
    fields = ("first_name", "last_name", "birth_date", "gender", "school_grade")
    extra = 0
    show_change_link = True


@admin.register(Family)
class FamilyAdmin(ModelAdmin):
    list_display = ("guardian", "created_at")
    inlines = [LearnerInline]
    raw_id_fields = ("guardian",)


@admin.register(Learner)
class LearnerAdmin(ModelAdmin):
    list_display = ("full_name", "national_code_masked", "gender", "school_grade", "province")
    list_filter = ("gender", "school_grade", "province")
    search_fields = ("first_name", "last_name", "national_code")
    raw_id_fields = ("family", "user")


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ModelAdmin):
    list_display = ("mobile", "created_at", "expires_at", "used_at", "failed_attempts")
    readonly_fields = (
        "mobile",
        "code_hash",
        "requested_ip",
        "created_at",
        "expires_at",
        "used_at",
        "failed_attempts",
    )
    exclude = ()


@admin.register(LearnerLink)
class LearnerLinkAdmin(ModelAdmin):
    """Read-only: links change through the services (audit rows, messages)."""

    list_display = ("learner", "family", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("learner", "family", "requested_by", "decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
