"""JSON API of enrollment and the family's wallet, for guardians:

* `GET /api/v1/enrollments`, `GET /api/v1/enrollments/{id}`: the family's registrations;
* `POST /api/v1/enrollments` (`offering`, `learner`, `accept_terms`): register (R2); 201
  with the registration and, when the wallet does not cover the fee, the `redirect_url` of
  the bank's payment page (the seat is held until `hold_expires_at`);
* `POST /api/v1/enrollments/{id}/drop`, `POST /api/v1/enrollments/{id}/switch`
  (`offering`): until one day before registration closes (R4);
* `GET /api/v1/wallet`: balance and history; `POST /api/v1/wallet/top-up` (`amount`).

Every money-moving POST honours an `Idempotency-Key` header (kargah.core.idempotency): sent
again with the same body, the first answer is replayed and nothing happens twice. Refusals
are JSON with a Persian `detail` and a stable `code` (a full class: 409 `full`; after the
deadline: 400 `deadline`); another family's registration is a 404; never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kargah.accounts.models import Family, Learner, User
from kargah.accounts.selectors import learner_for_registration
from kargah.catalog import selectors as catalog_selectors
from kargah.catalog.api import MAX_ID, jalali_datetime
from kargah.catalog.models import Offering
from kargah.core.api import ErrorSerializer
from kargah.core.errors import DomainError
from kargah.core.forms import MAX_RIALS
from kargah.core.idempotency import HEADER, after_key_commit, idempotent
from kargah.core.permissions import guardian_only
from kargah.core.persian import format_money
from kargah.core.serializers import RialsField, Serializer
from kargah.enrollment import selectors, services_drop, services_registration
from kargah.enrollment.models import Enrollment
from kargah.payments.services import is_local_path, wallet_top_up_start
from kargah.wallet.models import LedgerEntry
from kargah.wallet.selectors import describe_wallet_entries, wallet_balance, wallet_history

HISTORY_DEFAULT = 50
HISTORY_MAX = 500


class NotFound(DomainError):
    """Not the caller's, or not there: the same answer (ids reveal nothing)."""

    http_status = 404
    code = "not_found"


IsGuardian = guardian_only(
    gettext_lazy("Only a guardian can register children and use the family's wallet."),
    needs_family=True,
)


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _family(request: Request) -> Family:
    family = getattr(_user(request), "family", None)
    assert isinstance(family, Family)  # IsGuardian made sure
    return family


def _schedule_path() -> str:
    return reverse("enrollment:schedule")


def _wallet_path() -> str:
    return reverse("enrollment:wallet")


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). Sent again with the same body, the first answer is "
        "replayed (header Idempotent-Replayed: true) and nothing is done twice; with a "
        "different body: 422."
    ),
)


def _errors(more: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """The error answers of an endpoint, for the schema."""
    answers = {
        400: OpenApiResponse(ErrorSerializer, description="Refused; nothing changed."),
        401: OpenApiResponse(description="Not signed in."),
        403: OpenApiResponse(description="Not a guardian."),
    }
    for code, text in (more or {}).items():
        answers[code] = OpenApiResponse(ErrorSerializer, description=text)
    return answers


# A place of a linked child that the child's other guardian registered (docs/learner-links.md).
NOT_PAYER = (
    "Not a guardian; or the child's other guardian registered this place, and only that "
    "family can change it (code not_payer)."
)

# The answers of a POST that honours Idempotency-Key (kargah.core.idempotency).
IDEMPOTENT_ERRORS = {
    409: "The same key's first request is still being processed; try again.",
    422: "The Idempotency-Key was used before with another request (code idempotency_key_reused).",
}


# --- serializers ---------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    learner_name = serializers.CharField(source="learner.full_name", read_only=True)
    offering_title = serializers.CharField(source="offering.course.title", read_only=True)
    conditions_version = serializers.IntegerField(source="conditions.version", read_only=True)
    hold_expires_at_jalali = serializers.SerializerMethodField()
    drop_deadline = serializers.SerializerMethodField()
    drop_deadline_jalali = serializers.SerializerMethodField()
    can_drop = serializers.SerializerMethodField()
    can_switch = serializers.SerializerMethodField()
    paid_rials = serializers.SerializerMethodField(
        help_text="What the family paid for this place; null for a place the child's other "
        "guardian registered (their money is not shown)."
    )
    is_payer = serializers.SerializerMethodField(
        help_text="Whether your family registered and pays for this place; only that family "
        "can pay, drop or switch it (the child's other guardian sees it read-only)."
    )
    redirect_url = serializers.SerializerMethodField(
        help_text="Where to send the family to pay (the bank's page), when a payment is due."
    )
    fee_display = serializers.SerializerMethodField(
        help_text="The fee as the site shows it, in its one money unit (Toman by default)."
    )

    class Meta:
        model = Enrollment
        fields = [
            "id", "status", "status_display", "learner", "learner_name", "offering",
            "offering_title", "fee_rials", "fee_display", "paid_rials", "conditions_version",
            "conditions_accepted_at", "hold_expires_at", "hold_expires_at_jalali",
            "confirmed_at", "created_at", "drop_deadline", "drop_deadline_jalali",
            "can_drop", "can_switch", "is_payer", "switched_to", "redirect_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fee_display(self, obj: Enrollment) -> str:
        return format_money(obj.fee_rials)

    def _now(self) -> dt.datetime:
        """One clock reading for the whole answer (a list's rows agree with each other)."""
        now: dt.datetime | None = getattr(self, "_clock", None)
        if now is None:
            now = self._clock = timezone.now()
        return now

    def get_hold_expires_at_jalali(self, obj: Enrollment) -> str | None:
        return jalali_datetime(obj.hold_expires_at)

    def get_drop_deadline(self, obj: Enrollment) -> dt.datetime | None:
        return selectors.drop_deadline(obj.offering)

    def get_drop_deadline_jalali(self, obj: Enrollment) -> str | None:
        return jalali_datetime(selectors.drop_deadline(obj.offering))

    def get_is_payer(self, obj: Enrollment) -> bool:
        request = self.context.get("request")
        if request is None:  # an answer to the payer's own action (_answer)
            return True
        return selectors.is_payer(obj, request.user)

    def get_paid_rials(self, obj: Enrollment) -> int | None:
        return obj.paid_rials if self.get_is_payer(obj) else None

    def get_can_drop(self, obj: Enrollment) -> bool:
        return self.get_is_payer(obj) and selectors.can_drop(obj, self._now())

    def get_can_switch(self, obj: Enrollment) -> bool:
        return self.get_is_payer(obj) and selectors.can_switch(obj, self._now())

    def get_redirect_url(self, obj: Enrollment) -> str | None:
        url = self.context.get("redirect_url")
        return str(url) if url else None


class EnrollmentCreateSerializer(Serializer):
    offering = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Offering id.")
    learner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of a child of the guardian's family."
    )
    accept_terms = serializers.BooleanField(
        help_text="The guardian read and accepts the course's current conditions (R2); "
        "must be true."
    )


class EnrollmentSwitchSerializer(Serializer):
    offering = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The open offering with a free seat to move to."
    )
    accept_terms = serializers.BooleanField(
        default=True,
        help_text="Switching accepts the new course's current conditions (R2); false refuses.",
    )


class WalletEntrySerializer(serializers.ModelSerializer[LedgerEntry]):
    kind = serializers.CharField(source="transaction.kind", read_only=True)
    kind_display = serializers.CharField(source="transaction.get_kind_display", read_only=True)
    amount_rials = serializers.IntegerField(
        source="amount", read_only=True, help_text="Signed: + into the wallet, − out of it."
    )
    amount_display = serializers.SerializerMethodField(
        help_text="The amount as the site shows it, in its one money unit (Toman by default)."
    )
    # What the entry is for the family, in plain words (selectors.describe_wallet_entries),
    # never the internal memo (gateway names, references).
    memo = serializers.CharField(source="description", read_only=True)
    created_at = serializers.DateTimeField(source="transaction.created_at", read_only=True)
    created_at_jalali = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "kind_display", "amount_rials", "amount_display", "memo",
                  "created_at", "created_at_jalali"]  # fmt: skip
        read_only_fields = fields

    def get_created_at_jalali(self, obj: LedgerEntry) -> str | None:
        return jalali_datetime(obj.transaction.created_at)

    def get_amount_display(self, obj: LedgerEntry) -> str:
        return format_money(obj.amount, signed=True)


class WalletSerializer(serializers.Serializer):
    balance_rials = serializers.IntegerField()
    balance_display = serializers.CharField(
        help_text="The balance as the site shows it, in its one money unit (Toman by default)."
    )
    history = WalletEntrySerializer(many=True, help_text="Newest first.")


class TopUpInputSerializer(Serializer):
    amount = RialsField(
        min_value=1,
        max_value=MAX_RIALS,
        error_messages={"max_value": gettext_lazy("This amount is too large.")},
        help_text="Rials, a whole number; outside the gateway's bounds of one payment "
        "(at least KARGAH_MIN_TRANSFER_RIALS) the answer is 400 amount_too_small or "
        "amount_too_large.",
    )
    return_url = serializers.CharField(
        required=False,
        max_length=300,
        help_text="A path on this site the bank sends the family back to (default: the "
        "wallet page).",
    )

    def validate_return_url(self, value: str) -> str:
        if not is_local_path(value):
            raise serializers.ValidationError(_("Give a path on this site, such as /wallet/."))
        return value


class TopUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    status = serializers.CharField()
    redirect_url = serializers.CharField(help_text="The bank's payment page.")


# --- helpers ---------------------------------------------------------------------------------


def _learner(request: Request, learner_id: int) -> Learner:
    # Own children and those linked by an approved link: either guardian registers and pays.
    learner = learner_for_registration(user=_user(request), learner_id=learner_id)
    if learner is None:
        raise NotFound(_("This child was not found in your family."))
    return learner


def _offering(offering_id: int) -> Offering:
    try:
        return catalog_selectors.offering_for_registration(offering_id=offering_id)
    except Http404:
        raise NotFound(_("This class was not found.")) from None


def _enrollment(request: Request, enrollment_id: int) -> Enrollment:
    try:
        return selectors.enrollment_get_for_guardian(
            guardian=_user(request), enrollment_id=enrollment_id
        )
    except Http404:
        raise NotFound(_("This registration was not found.")) from None


def _answer(enrollment: Enrollment, *, code: int, redirect_url: str | None = None) -> Response:
    """The registration as the services left it (with its learner, offering, course and
    conditions already in memory: nothing is read again)."""
    data = EnrollmentSerializer(enrollment, context={"redirect_url": redirect_url}).data
    return Response(data, status=code)


# --- views -----------------------------------------------------------------------------------


class EnrollmentListCreateView(generics.ListAPIView[Enrollment]):
    """The family's registrations, newest first; and registering a child."""

    permission_classes = [IsAuthenticated, IsGuardian]
    serializer_class = EnrollmentSerializer

    def get_queryset(self) -> QuerySet[Enrollment]:
        return selectors.enrollments_for_guardian(guardian=_user(self.request)).select_related(
            "conditions"
        )

    @extend_schema(
        summary="Register a child for an offering",
        request=EnrollmentCreateSerializer,
        responses={
            201: EnrollmentSerializer,
            **_errors(
                {
                    **IDEMPOTENT_ERRORS,
                    404: "The child or the offering is not found (or not the family's).",
                    409: "The offering is full (code full; a waiting list is offered on the site).",
                    503: "Busy, or the payment gateway does not answer; try again.",
                }
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EnrollmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        learner = _learner(request, data["learner"])
        offering = _offering(data["offering"])
        guardian = _user(request)
        result = services_registration.enrollment_create(
            guardian=guardian,
            learner=learner,
            offering=offering,
            accept_terms=data["accept_terms"],
            return_url=_schedule_path(),
        )
        if result.payment_due:  # the place is held; the bank is asked once it has committed
            held = result.enrollment

            def start_payment() -> Response:
                started = services_registration.enrollment_payment_start(
                    guardian=guardian,
                    enrollment=held,
                    amount=result.payment_due,
                    return_url=_schedule_path(),
                )
                return _answer(
                    started.enrollment,
                    code=status.HTTP_201_CREATED,
                    redirect_url=started.redirect_url,
                )

            after_key_commit(start_payment)
        return _answer(
            result.enrollment, code=status.HTTP_201_CREATED, redirect_url=result.redirect_url
        )


class EnrollmentDetailView(generics.RetrieveAPIView[Enrollment]):
    """One of the family's registrations."""

    permission_classes = [IsAuthenticated, IsGuardian]
    serializer_class = EnrollmentSerializer

    @extend_schema(responses={200: EnrollmentSerializer, **_errors({404: "Not found."})})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment = _enrollment(request, kwargs["enrollment_id"])
        data = EnrollmentSerializer(enrollment, context={"request": request}).data
        return Response(data, status=status.HTTP_200_OK)


class EnrollmentDropView(APIView):
    """Drops a paid place before the deadline (what was paid goes to the wallet at once), or
    gives up a seat still awaiting payment."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(
        summary="Drop a registration",
        request=None,
        responses={
            200: EnrollmentSerializer,
            **_errors(
                {
                    **IDEMPOTENT_ERRORS,
                    403: NOT_PAYER,
                    404: "Not the family's registration.",
                }
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, enrollment_id: int) -> Response:
        enrollment = _enrollment(request, enrollment_id)
        dropped = services_drop.enrollment_drop(guardian=_user(request), enrollment=enrollment)
        return _answer(dropped, code=status.HTTP_200_OK)


class EnrollmentSwitchView(APIView):
    """Moves a confirmed place to another open offering with a free seat before the
    deadline; the fee difference is settled through the wallet (a dearer class needs the
    difference in the wallet: 409 insufficient_balance with `shortfall` in Rials)."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(
        summary="Switch a registration to another offering",
        request=EnrollmentSwitchSerializer,
        responses={
            201: EnrollmentSerializer,
            **_errors(
                {
                    **IDEMPOTENT_ERRORS,
                    403: NOT_PAYER,
                    404: "Not the family's registration, or no such offering.",
                    409: "The new offering is full, or the wallet lacks the difference.",
                }
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, enrollment_id: int) -> Response:
        enrollment = _enrollment(request, enrollment_id)
        serializer = EnrollmentSwitchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offering = _offering(serializer.validated_data["offering"])
        new = services_drop.enrollment_switch(
            guardian=_user(request),
            enrollment=enrollment,
            offering=offering,
            accept_terms=serializer.validated_data["accept_terms"],
        )
        return _answer(new, code=status.HTTP_201_CREATED)


class WalletView(APIView):
    """The family's wallet: the balance (the sum of its ledger entries) and its movements."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(
        responses={200: WalletSerializer, **_errors()},
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": HISTORY_MAX},
                description=f"How many movements, newest first ({HISTORY_DEFAULT} by default, "
                f"at most {HISTORY_MAX}).",
            )
        ],
    )
    def get(self, request: Request) -> Response:
        field = serializers.IntegerField(min_value=1, max_value=HISTORY_MAX)
        raw = request.query_params.get("limit")
        try:
            limit = field.run_validation(raw) if raw not in (None, "") else HISTORY_DEFAULT
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"limit": exc.detail}) from None
        family = _family(request)
        history = describe_wallet_entries(wallet_history(family=family)[:limit])
        balance = wallet_balance(family=family)
        return Response(
            {
                "balance_rials": balance,
                "balance_display": format_money(balance),
                "history": WalletEntrySerializer(history, many=True).data,
            }
        )


class WalletTopUpView(APIView):
    """Starts adding money to the wallet through the payment gateway; send the family to
    `redirect_url`. The money is in the wallet once the bank confirms the payment."""

    permission_classes = [IsAuthenticated, IsGuardian]

    @extend_schema(
        summary="Add money to the wallet",
        request=TopUpInputSerializer,
        responses={
            201: TopUpSerializer,
            **_errors({**IDEMPOTENT_ERRORS, 503: "The payment gateway does not answer."}),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = TopUpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _user(request)
        attempt = wallet_top_up_start(
            family=_family(request),
            amount=serializer.validated_data["amount"],
            mobile=user.mobile or None,
            return_url=serializer.validated_data.get("return_url") or _wallet_path(),
        )
        return Response(
            {
                "id": attempt.pk,
                "amount": attempt.amount,
                "status": attempt.status,
                "redirect_url": attempt.redirect_url,
            },
            status=status.HTTP_201_CREATED,
        )
