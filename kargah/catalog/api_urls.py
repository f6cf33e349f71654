"""URLs of the catalog API, under /api/v1/."""

from django.urls import path

from kargah.catalog import api

urlpatterns = [
    path("offerings", api.OfferingListView.as_view(), name="api-offerings"),
    path("offerings/<int:offering_id>", api.OfferingDetailView.as_view(), name="api-offering"),
]
