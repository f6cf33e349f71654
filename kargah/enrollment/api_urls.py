"""URLs of the enrollment and wallet API, under /api/v1/."""

from django.urls import path

from kargah.enrollment import api

urlpatterns = [
    path("enrollments", api.EnrollmentListCreateView.as_view(), name="api-enrollments"),
    path(
        "enrollments/<int:enrollment_id>",
        api.EnrollmentDetailView.as_view(),
        name="api-enrollment-detail",
    ),
    path(
        "enrollments/<int:enrollment_id>/drop",
        api.EnrollmentDropView.as_view(),
        name="api-enrollment-drop",
    ),
    path(
        "enrollments/<int:enrollment_id>/switch",
        api.EnrollmentSwitchView.as_view(),
        name="api-enrollment-switch",
    ),
    path("wallet", api.WalletView.as_view(), name="api-wallet"),
    path("wallet/top-up", api.WalletTopUpView.as_view(), name="api-wallet-top-up"),
]
