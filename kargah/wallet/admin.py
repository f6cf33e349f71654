"""Admin for the wallet: everything read-only; money moves only through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kargah.core.admin_dates import ModelAdmin, TabularInline
from kargah.wallet.models import Account, LedgerEntry, LedgerTransaction, RefundRequest


class ReadOnly(ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ("__str__", "kind", "family")
    list_filter = ("kind",)


class EntryInline(TabularInline):
    model = LedgerEntry
    extra = 0
    readonly_fields = ("account", "amount")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ("created_at", "reference", "kind", "memo")
    # Not editable, so not shown on the detail page unless named here; staff read it in
    # Jalali (kargah.core.admin_dates).
    readonly_fields = ("created_at",)
    list_filter = ("kind",)
    search_fields = ("reference",)
    inlines = [EntryInline]


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnly):
    list_display = ("requested_at", "family", "amount", "status")
    list_filter = ("status",)
