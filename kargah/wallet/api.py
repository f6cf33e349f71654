"""JSON API of the wallet's refunds: a guardian asks for wallet money back to a bank account
(`POST /api/v1/refund-requests`, honouring an Idempotency-Key header) and lists the
family's requests (`GET`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from kargah.accounts.models import User
from kargah.core.api import error_responses
from kargah.core.forms import MAX_RIALS
from kargah.core.idempotency import HEADER, idempotent
from kargah.core.permissions import guardian_only
from kargah.core.persian import format_jalali_datetime, format_money
from kargah.core.serializers import NameField, RialsField, Serializer
from kargah.wallet import refunds
from kargah.wallet.models import RefundRequest

IsGuardian = guardian_only(_("Only a guardian can ask for a refund from the family's wallet."))


class RefundRequestInputSerializer(Serializer):
    amount = RialsField(
        min_value=1,
        max_value=MAX_RIALS,
        error_messages={"max_value": _("This amount is too large.")},
        help_text="Rials, a whole number; below the bank transfer minimum "
        "(KARGAH_MIN_TRANSFER_RIALS, 10,000 by default) the answer is 400 amount_too_small.",
    )
    sheba = serializers.CharField(
        max_length=40, help_text="IR-IBAN: IR and 24 digits (the IR may be left out)."
    )
    account_holder = NameField(max_length=150)


class RefundRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_at_jalali = serializers.SerializerMethodField()
    amount_display = serializers.SerializerMethodField(
        help_text="The amount as the site shows it, in its one money unit (Toman by default)."
    )

    class Meta:
        model = RefundRequest
        fields = [
            "id", "amount", "amount_display", "sheba", "account_holder", "status", "status_display", "reason",
            "bank_reference", "requested_at", "requested_at_jalali", "decided_at", "paid_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_amount_display(self, obj: RefundRequest) -> str:
        return format_money(obj.amount)

    def get_requested_at_jalali(self, obj: RefundRequest) -> str:
        return format_jalali_datetime(obj.requested_at)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). Sent again with the same body, the first answer is "
        "replayed and no second request is made; with a different body: 422."
    ),
)


class RefundRequestListCreateView(generics.ListAPIView[RefundRequest]):
    """The family's refund requests, and a new one (the amount is held from the wallet)."""

    permission_classes = [IsAuthenticated, IsGuardian]
    serializer_class = RefundRequestSerializer

    def get_queryset(self) -> QuerySet[RefundRequest]:
        user = self.request.user
        assert isinstance(user, User)
        return refunds.refund_list_for_guardian(guardian=user)

    @extend_schema(
        request=RefundRequestInputSerializer,
        responses={
            201: RefundRequestSerializer,
            **error_responses(
                s409="Not enough in the wallet, or the same key's first request is still "
                "being processed.",
                s422="The Idempotency-Key was used before with another request.",
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        assert isinstance(user, User)
        serializer = RefundRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = refunds.refund_request(guardian=user, **serializer.validated_data)
        return Response(RefundRequestSerializer(refund).data, status=status.HTTP_201_CREATED)
