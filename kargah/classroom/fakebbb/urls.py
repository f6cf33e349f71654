"""The fake BBB server's URLs, mounted at /fake-bbb/ only when KARGAH_BBB_FAKE is on."""

from django.urls import path

from kargah.classroom.fakebbb import views

app_name = "fakebbb"

urlpatterns = [
    path("bigbluebutton/api/join", views.join, name="join"),
    path("bigbluebutton/api/", views.api, {"call": ""}, name="index"),
    path("bigbluebutton/api/<str:call>", views.api, name="api"),
    path("room/<str:token>/", views.room, name="room"),
    path("room/<str:token>/leave/", views.leave, name="leave"),
    path("playback/presentation/2.3/<str:record_id>", views.playback, name="playback"),
]
