"""Pages of the payments app: gateway callbacks, the sandbox bank and the wallet top-up."""

from django.urls import path

from kargah.payments import views

app_name = "payments"

urlpatterns = [
    path("callback/<slug:gateway>/", views.callback, name="callback"),
    path("sandbox/<str:authority>/", views.sandbox_bank, name="sandbox_bank"),
    path("wallet/top-up/", views.wallet_top_up, name="top_up"),
]
