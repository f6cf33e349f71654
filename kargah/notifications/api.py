"""JSON API of the person's inbox: the list (`GET /api/v1/inbox`), the unread count
(`GET /api/v1/inbox/unread-count`), one message marked read (`POST /api/v1/inbox/{id}/read`)
and all of them (`POST /api/v1/inbox/read-all`). Only one's own messages, ever."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kargah.accounts.models import User
from kargah.core.api import error_responses
from kargah.core.errors import NotAllowed
from kargah.core.persian import format_jalali_datetime
from kargah.notifications import selectors_inbox, services_inbox
from kargah.notifications.models import InboxItem


class InboxItemSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()
    created_at_jalali = serializers.SerializerMethodField()

    class Meta:
        model = InboxItem
        fields = [
            "id", "kind", "title", "body", "link", "created_at", "created_at_jalali", "read_at",
            "unread",
        ]  # fmt: skip
        read_only_fields = fields

    def get_unread(self, obj: InboxItem) -> bool:
        return obj.read_at is None

    def get_created_at_jalali(self, obj: InboxItem) -> str:
        return format_jalali_datetime(obj.created_at)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(min_value=0)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(min_value=0)


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class InboxListView(generics.ListAPIView[InboxItem]):
    """The signed-in person's messages, newest first (paginated)."""

    serializer_class = InboxItemSerializer

    def get_queryset(self) -> QuerySet[InboxItem]:
        return selectors_inbox.inbox_for(user=_user(self.request))


class InboxUnreadCountView(APIView):
    """How many of the person's messages are unread."""

    @extend_schema(responses={200: UnreadCountSerializer})
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors_inbox.inbox_unread_count(user=_user(request))})


class InboxItemReadView(APIView):
    """Marks one of the person's messages read; again, it changes nothing. Another person's
    message is 404, as one that does not exist."""

    @extend_schema(
        request=None,
        responses={200: InboxItemSerializer, **error_responses(s404="No such message of yours.")},
    )
    def post(self, request: Request, item_id: int, *args: Any, **kwargs: Any) -> Response:
        try:
            item = services_inbox.inbox_item_read(user=_user(request), item_id=item_id)
        except NotAllowed:
            raise Http404 from None
        return Response(InboxItemSerializer(item).data)


class InboxReadAllView(APIView):
    """Marks every unread message of the person read; answers how many were."""

    @extend_schema(request=None, responses={200: MarkedSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"marked": services_inbox.inbox_read_all(user=_user(request))})
