"""URLs of the wallet pages, under /wallet/."""

from django.urls import path

from kargah.wallet import views, views_finance

app_name = "wallet"
urlpatterns = [
    path("refund/", views.refund_create, name="refund_create"),
    path("refunds/", views.refund_list, name="refund_list"),
    path("refunds/<int:refund_id>/", views.refund_detail, name="refund_detail"),
    path("finance/refunds/", views.finance_refunds, name="finance_refunds"),
    path(
        "finance/refunds/<int:refund_id>/approve/",
        views.finance_refund_approve,
        name="finance_refund_approve",
    ),
    path(
        "finance/refunds/<int:refund_id>/reject/",
        views.finance_refund_reject,
        name="finance_refund_reject",
    ),
    path(
        "finance/refunds/<int:refund_id>/paid/",
        views.finance_refund_paid,
        name="finance_refund_paid",
    ),
    path("finance/ledger/", views_finance.finance_ledger, name="finance_ledger"),
    path(
        "finance/families/<int:family_id>/statement/",
        views_finance.finance_statement,
        name="finance_statement",
    ),
    path(
        "finance/reconciliation/",
        views_finance.finance_reconciliation,
        name="finance_reconciliation",
    ),
    path(
        "finance/reconciliation/run/",
        views_finance.finance_reconciliation_run,
        name="finance_reconciliation_run",
    ),
    path("finance/refunds/payout.csv", views.finance_payout_file, name="finance_payout_file"),
]
