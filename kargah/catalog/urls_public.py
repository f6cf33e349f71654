"""URLs of the public catalog, under /catalog/."""

from django.urls import path

from kargah.catalog import views_public

app_name = "catalog"
urlpatterns = [
    path("", views_public.offering_list, name="list"),
    path("<int:offering_id>/", views_public.offering_detail, name="detail"),
    path("<int:offering_id>/calendar.ics", views_public.offering_ics, name="ics"),
]
