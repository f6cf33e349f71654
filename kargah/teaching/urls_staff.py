"""URLs of the center's roster, under /staff/ (the staff look: names start with staff_)."""

from django.urls import path

from kargah.teaching import views_staff as views

app_name = "teaching_staff"
urlpatterns = [
    path("offerings/<int:offering_id>/roster/", views.roster, name="staff_roster"),
    path(
        "offerings/<int:offering_id>/roster/<int:learner_id>/mobile/",
        views.reveal,
        name="staff_roster_reveal",
    ),
    path("offerings/<int:offering_id>/roster.xlsx", views.export, name="staff_roster_export"),
]
