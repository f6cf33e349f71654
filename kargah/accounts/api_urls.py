"""URLs of the accounts API, under /api/v1/."""

from django.urls import path

from kargah.accounts import api

urlpatterns = [
    path("auth/otp/request", api.OtpRequestView.as_view(), name="api-otp-request"),
    path("auth/otp/verify", api.OtpVerifyView.as_view(), name="api-otp-verify"),
    path("auth/token", api.StaffTokenView.as_view(), name="api-staff-token"),
    path("me", api.MeView.as_view(), name="api-me"),
    path("learners", api.LearnerListView.as_view(), name="api-learners"),
    path("learners/<int:learner_id>", api.LearnerDetailView.as_view(), name="api-learner"),
    path("learner-links", api.LearnerLinkListView.as_view(), name="api-learner-links"),
    path(
        "learner-links/<int:link_id>/<str:action>",
        api.LearnerLinkDecideView.as_view(),
        name="api-learner-link-decide",
    ),
]
