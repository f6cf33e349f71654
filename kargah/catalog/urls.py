"""URLs of the catalog pages: the public catalog and the staff pages."""

from django.urls import include, path

urlpatterns = [
    path("catalog/", include("kargah.catalog.urls_public")),
    path("staff/", include("kargah.catalog.urls_staff")),
]
