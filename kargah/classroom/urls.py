"""The classroom's pages under /class/ and the classroom server's callbacks."""

from django.urls import path

from kargah.classroom import views

app_name = "classroom"

urlpatterns = [
    path("session/<int:session_id>/join/", views.join, name="join"),
    path("session/<int:session_id>/recording/", views.recording, name="recording"),
    path("session/<int:session_id>/presence/", views.presence, name="presence"),
    path("bbb/events/", views.bbb_events, name="bbb_events"),
    path("bbb/ended/<int:room_id>/<str:token>/", views.bbb_ended, name="bbb_ended"),
]
