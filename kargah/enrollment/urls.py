"""URLs of the guardian's enrollment pages, under /enroll/."""

from django.urls import path

from kargah.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("wallet/", views.wallet, name="wallet"),
    path("<int:offering_id>/", views.register, name="register"),
    path("<int:offering_id>/waiting-list/", views.waiting_list_join, name="waiting_list_join"),
    path("registrations/<int:enrollment_id>/drop/", views.drop, name="drop"),
    path("registrations/<int:enrollment_id>/switch/", views.switch, name="switch"),
    path("registrations/<int:enrollment_id>/pay/", views.pay, name="pay"),
    path("waiting-list/<int:entry_id>/leave/", views.waiting_list_leave, name="waiting_list_leave"),
]
