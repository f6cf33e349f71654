"""URLs of the inbox API, under /api/v1/."""

from django.urls import path

from kargah.notifications import api

urlpatterns = [
    path("inbox", api.InboxListView.as_view(), name="api-inbox"),
    path("inbox/unread-count", api.InboxUnreadCountView.as_view(), name="api-inbox-unread"),
    path("inbox/read-all", api.InboxReadAllView.as_view(), name="api-inbox-read-all"),
    path("inbox/<int:item_id>/read", api.InboxItemReadView.as_view(), name="api-inbox-read"),
]
