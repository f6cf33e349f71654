"""URLs of the accounts pages."""

from django.urls import path

from kargah.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_verify, name="sign_in_verify"),
    path("sign-in/resend/", views.sign_in_resend, name="sign_in_resend"),
    path("staff/sign-in/", views.StaffSignInView.as_view(), name="staff_sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("family/", views.family, name="family"),
    path("family/learners/add/", views.learner_add, name="learner_add"),
    path("family/learners/<int:learner_id>/edit/", views.learner_edit, name="learner_edit"),
    path(
        "family/links/<int:link_id>/<str:action>/",
        views.learner_link_decide,
        name="learner_link_decide",
    ),
    path("staff/link-requests/", views.staff_link_requests, name="staff_link_requests"),
    path(
        "staff/link-requests/<int:link_id>/<str:action>/",
        views.staff_link_decide,
        name="staff_link_decide",
    ),
]
