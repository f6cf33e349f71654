"""URLs of the core app."""

from django.urls import path

from kargah.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/<str:code>/", views.language_switch, name="language"),
]
