"""URLs of the documents API, under /api/v1/."""

from django.urls import path

from kargah.documents import api

urlpatterns = [
    path("documents", api.DocumentListCreateView.as_view(), name="api-documents"),
]
