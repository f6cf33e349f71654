"""URLs of the notifications pages."""

from django.urls import path

from kargah.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:item_id>/", views.inbox_item, name="item"),
    path("read-all/", views.inbox_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
]
