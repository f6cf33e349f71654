"""URLs of the enrollment's staff pages, under /staff/."""

from django.urls import path

from kargah.enrollment import views_messages
from kargah.enrollment import views_staff as views

app_name = "enrollment_staff"
urlpatterns = [
    path("offerings/<int:offering_id>/cancel/", views.offering_cancel, name="offering_cancel"),
    path("places/<int:enrollment_id>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    # The URL name starts "staff_" so that the page wears the staff look.
    path(
        "messages/<str:kind>/<int:target_id>/",
        views_messages.family_message,
        name="staff_family_message",
    ),
]
