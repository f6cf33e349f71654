"""URLs of a class's certificates for its center, under /staff/ (names start with staff_)."""

from django.urls import path

from kargah.certificates import views

app_name = "certificates_staff"
urlpatterns = [
    path("offerings/<int:offering_id>/certificates/", views.staff_list, name="staff_certificates"),
    path(
        "offerings/<int:offering_id>/certificates/issue/",
        views.staff_issue,
        name="staff_certificates_issue",
    ),
    path(
        "certificates/<int:certificate_id>/revoke/",
        views.staff_revoke,
        name="staff_certificate_revoke",
    ),
]
