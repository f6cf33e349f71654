"""URLs of the wallet API, under /api/v1/."""

from django.urls import path

from kargah.wallet import api

urlpatterns = [
    path("refund-requests", api.RefundRequestListCreateView.as_view(), name="api-refund-requests"),
]
