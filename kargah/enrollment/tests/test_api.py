"""The enrollment and wallet API: who may call it, registering (wallet, gateway, full → 409),
an Idempotency-Key replayed, drop and switch until the deadline, the wallet and its top-up,
bad input as 4xx with Persian messages (never a 500), and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.persian import format_jalali_datetime
from kargah.enrollment import selectors, services_registration
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    row_counts,
    top_up,
)
from kargah.payments.models import PaymentAttempt
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db

ENROLLMENTS = "/api/v1/enrollments"
WALLET = "/api/v1/wallet"
TOP_UP = "/api/v1/wallet/top-up"


def fa(message: str) -> str:
    with translation.override("fa"):
        return gettext(message)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def guardian_api(api, guardian) -> APIClient:
    api.force_authenticate(guardian)
    return api


def body(learner, offering, **more):
    return {"learner": learner.pk, "offering": offering.pk, "accept_terms": True, **more}


def confirmed_place(learner, offering) -> Enrollment:
    top_up(learner.family, int(offering.fee_rials))
    return services_registration.enrollment_create(
        guardian=learner.family.guardian, learner=learner, offering=offering, accept_terms=True
    ).enrollment


# --- who may call -----------------------------------------------------------------------------


def _calls(enrollment, offering) -> list[tuple[str, str, dict]]:
    return [
        ("get", ENROLLMENTS, {}),
        ("post", ENROLLMENTS, {"offering": offering.pk, "learner": 1, "accept_terms": True}),
        ("get", f"{ENROLLMENTS}/{enrollment.pk}", {}),
        ("post", f"{ENROLLMENTS}/{enrollment.pk}/drop", {}),
        ("post", f"{ENROLLMENTS}/{enrollment.pk}/switch", {"offering": offering.pk}),
        ("get", WALLET, {}),
        ("post", TOP_UP, {"amount": 100_000}),
    ]


def test_anonymous_callers_get_401(api, offering, learner):
    enrollment = confirmed_place(learner, offering)
    before = row_counts()
    for method, url, data in _calls(enrollment, offering):
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 401, url
        assert "WWW-Authenticate" in response
    assert row_counts() == before


@pytest.mark.parametrize("role", ["center_staff", "finance", "administrator"])
def test_staff_get_403(api, offering, learner, role):
    enrollment = confirmed_place(learner, offering)
    api.force_authenticate(StaffFactory.create(role=role))
    before = row_counts()
    for method, url, data in _calls(enrollment, offering):
        assert getattr(api, method)(url, data, format="json").status_code == 403, url
    assert row_counts() == before


def test_another_familys_registration_is_404(api, offering, learner):
    enrollment = confirmed_place(learner, offering)
    api.force_authenticate(GuardianFactory.create())
    before = row_counts()
    for method, url, data in _calls(enrollment, offering)[2:5]:
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    # Nor can they register the other family's child.
    response = api.post(ENROLLMENTS, body(learner, offering), format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == fa("This child was not found in your family.")
    assert row_counts() == before
    assert api.get(ENROLLMENTS).json()["results"] == []


# --- registering --------------------------------------------------------------------------------


def test_register_paid_from_the_wallet(guardian_api, offering, learner, guardian):
    top_up(guardian.family, FEE)

    response = guardian_api.post(ENROLLMENTS, body(learner, offering), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    enrollment = Enrollment.objects.get()
    assert data["id"] == enrollment.pk
    assert data["status"] == EnrollmentStatus.CONFIRMED
    assert data["fee_rials"] == FEE and data["paid_rials"] == FEE
    assert data["hold_expires_at"] is None
    assert data["redirect_url"] is None
    assert data["conditions_version"] == 1
    assert data["can_drop"] is True and data["drop_deadline"]
    assert wallet_balance(family=guardian.family) == 0
    assert money_is_sound()


def test_register_needing_payment_answers_the_bank_page(guardian_api, offering, learner):
    response = guardian_api.post(ENROLLMENTS, body(learner, offering), format="json")

    assert response.status_code == 201
    data = response.json()
    attempt = PaymentAttempt.objects.get()
    assert data["status"] == EnrollmentStatus.AWAITING_PAYMENT
    assert data["redirect_url"] == f"/payments/sandbox/{attempt.authority}/"
    assert data["hold_expires_at"] and data["hold_expires_at_jalali"]
    assert data["can_drop"] is False


def test_a_full_offering_answers_409_in_persian(guardian_api, learner, guardian):
    full = make_offering(weekday=4, capacity=1, quorum=1)
    EnrollmentFactory.create(offering=full)
    top_up(guardian.family, FEE)
    before = row_counts()

    response = guardian_api.post(ENROLLMENTS, body(learner, full), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": fa(
            "This class is full. You can join its waiting list and we will tell you by SMS "
            "when a seat is free."
        ),
        "code": "full",
    }
    assert row_counts() == before


def test_an_idempotent_replay_registers_once_and_answers_the_same(
    guardian_api, offering, learner, guardian
):
    top_up(guardian.family, FEE)
    key = str(uuid.uuid4())

    first = guardian_api.post(
        ENROLLMENTS, body(learner, offering), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = guardian_api.post(
        ENROLLMENTS, body(learner, offering), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.count() == 1
    assert LedgerTransaction.objects.filter(reference__endswith=":paid").count() == 1
    # The same key with another body is refused; without a key it is a new request (and
    # refused by the service: the child is already registered).
    other = guardian_api.post(
        ENROLLMENTS,
        body(learner, offering, accept_terms=False),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    fresh = guardian_api.post(ENROLLMENTS, body(learner, offering), format="json")
    assert fresh.status_code == 400 and fresh.json()["code"] == "already_enrolled"
    assert Enrollment.objects.count() == 1
    assert money_is_sound()


def test_an_idempotent_replay_of_a_payment_starts_one_payment(guardian_api, offering, learner):
    key = str(uuid.uuid4())
    first = guardian_api.post(
        ENROLLMENTS, body(learner, offering), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = guardian_api.post(
        ENROLLMENTS, body(learner, offering), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert again.json()["redirect_url"] == first.json()["redirect_url"]
    assert PaymentAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"accept_terms": False}, 400, "code"),
        ({"accept_terms": None}, 400, "accept_terms"),
        ({"learner": "abc"}, 400, "learner"),
        ({"learner": 2**70}, 400, "learner"),
        ({"offering": 999_999}, 404, "code"),
        ({"offering": -1}, 400, "offering"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    guardian_api, offering, learner, data, status, field
):
    payload = body(learner, offering)
    for key, value in data.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    before = row_counts()

    response = guardian_api.post(ENROLLMENTS, payload, format="json")

    assert response.status_code == status, response.json()
    answer = response.json()
    assert field in (answer if field == "code" else answer["errors"])
    assert row_counts() == before


def test_not_accepting_the_terms_is_refused_in_persian(guardian_api, offering, learner):
    response = guardian_api.post(
        ENROLLMENTS, body(learner, offering, accept_terms=False), format="json"
    )
    assert response.json() == {
        "detail": fa("To register, read and accept the conditions of the course."),
        "code": "terms",
    }


def test_the_list_and_the_detail_are_the_familys_own(guardian_api, offering, learner):
    mine = confirmed_place(learner, offering)
    confirmed_place(make_child(), make_offering(weekday=3))  # another family's

    listed = guardian_api.get(ENROLLMENTS).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["results"][0]["offering_title"] == offering.course.title
    detail = guardian_api.get(f"{ENROLLMENTS}/{mine.pk}")
    assert detail.status_code == 200 and detail.json()["id"] == mine.pk


# --- drop and switch ---------------------------------------------------------------------------


def test_drop_before_the_deadline_credits_the_wallet_once(
    guardian_api, offering, learner, guardian
):
    enrollment = confirmed_place(learner, offering)
    key = str(uuid.uuid4())

    response = guardian_api.post(
        f"{ENROLLMENTS}/{enrollment.pk}/drop", format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = guardian_api.post(
        f"{ENROLLMENTS}/{enrollment.pk}/drop", format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 200
    assert response.json()["status"] == EnrollmentStatus.DROPPED
    assert again.json() == response.json()
    assert wallet_balance(family=guardian.family) == FEE
    # Without the key a second drop is refused: the registration has ended.
    third = guardian_api.post(f"{ENROLLMENTS}/{enrollment.pk}/drop", format="json")
    assert third.status_code == 400 and third.json()["code"] == "status"
    assert wallet_balance(family=guardian.family) == FEE
    assert money_is_sound()


def test_after_the_deadline_drop_and_switch_are_refused_with_the_reason(
    guardian_api, offering, learner, guardian, clock
):
    enrollment = confirmed_place(learner, offering)
    other = make_offering(weekday=2)
    deadline = selectors.drop_deadline(offering)
    assert deadline is not None
    clock.current = deadline
    before = row_counts()

    dropped = guardian_api.post(f"{ENROLLMENTS}/{enrollment.pk}/drop", format="json")
    switched = guardian_api.post(
        f"{ENROLLMENTS}/{enrollment.pk}/switch", {"offering": other.pk}, format="json"
    )

    with translation.override("fa"):
        shown = format_jalali_datetime(deadline)
    for response in (dropped, switched):
        assert response.status_code == 400
        assert response.json()["code"] == "deadline"
        assert shown in response.json()["detail"]
    assert row_counts() == before
    listed = guardian_api.get(ENROLLMENTS).json()["results"][0]
    assert listed["can_drop"] is False and listed["can_switch"] is False

    # One second earlier it would have been allowed.
    clock.current = deadline - dt.timedelta(seconds=1)
    assert guardian_api.get(ENROLLMENTS).json()["results"][0]["can_drop"] is True


def test_switch_to_a_dearer_class_takes_the_difference_from_the_wallet(
    guardian_api, offering, learner, guardian
):
    enrollment = confirmed_place(learner, offering)
    dearer = make_offering(weekday=2, fee_rials=FEE + 500_000)
    url = f"{ENROLLMENTS}/{enrollment.pk}/switch"

    short = guardian_api.post(url, {"offering": dearer.pk}, format="json")
    assert short.status_code == 409
    assert short.json()["code"] == "insufficient_balance"
    assert short.json()["shortfall"] == 500_000

    top_up(guardian.family, 500_000)
    response = guardian_api.post(url, {"offering": dearer.pk}, format="json")

    assert response.status_code == 201
    data = response.json()
    assert data["offering"] == dearer.pk and data["status"] == EnrollmentStatus.CONFIRMED
    enrollment.refresh_from_db()
    assert (
        enrollment.status == EnrollmentStatus.SWITCHED and enrollment.switched_to_id == data["id"]
    )
    assert wallet_balance(family=guardian.family) == 0
    assert money_is_sound()


def test_switch_to_an_unknown_offering_is_404(guardian_api, offering, learner):
    enrollment = confirmed_place(learner, offering)
    response = guardian_api.post(
        f"{ENROLLMENTS}/{enrollment.pk}/switch", {"offering": 999_999}, format="json"
    )
    assert response.status_code == 404


# --- the wallet --------------------------------------------------------------------------------


def test_the_wallet_shows_balance_and_history_newest_first(
    guardian_api, offering, learner, guardian
):
    top_up(guardian.family, 7_000_000)
    confirmed_place(learner, offering)  # tops up FEE more, then pays FEE

    data = guardian_api.get(WALLET).json()

    assert data["balance_rials"] == 7_000_000
    assert [row["amount_rials"] for row in data["history"]] == [-FEE, FEE, 7_000_000]
    assert data["history"][0]["kind"] == "enrollment_payment"
    assert data["history"][0]["created_at_jalali"]
    assert len(guardian_api.get(WALLET, {"limit": 1}).json()["history"]) == 1
    assert guardian_api.get(WALLET, {"limit": "x"}).status_code == 400
    assert guardian_api.get(WALLET, {"limit": 10_000}).status_code == 400


def test_top_up_answers_the_bank_page_once_per_key(guardian_api, guardian):
    key = str(uuid.uuid4())
    first = guardian_api.post(
        TOP_UP, {"amount": "۱٬۰۰۰٬۰۰۰"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = guardian_api.post(
        TOP_UP, {"amount": "۱٬۰۰۰٬۰۰۰"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert first.status_code == 201, first.json()
    attempt = PaymentAttempt.objects.get()
    assert first.json()["redirect_url"] == f"/payments/sandbox/{attempt.authority}/"
    assert attempt.amount == 1_000_000 and attempt.return_url == "/enroll/wallet/"
    assert again.json() == first.json()
    assert PaymentAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"amount": 5}, "amount_too_small"),
        ({"amount": "۹٬۹۹۹"}, "amount_too_small"),
        ({"amount": "ده"}, None),
        ({"amount": 100_000, "return_url": "https://evil.example/"}, None),
    ],
)
def test_a_bad_top_up_is_400(guardian_api, data, code):
    response = guardian_api.post(TOP_UP, data, format="json")
    assert response.status_code == 400
    if code:
        assert response.json()["code"] == code
    assert not PaymentAttempt.objects.exists()


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_endpoints(api):
    text = api.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/enrollments:",
        "/api/v1/enrollments/{enrollment_id}/drop:",
        "/api/v1/enrollments/{enrollment_id}/switch:",
        "/api/v1/wallet:",
        "/api/v1/wallet/top-up:",
    ):
        assert path in text, path
    assert "Idempotency-Key" in text
    assert "accept_terms" in text and "redirect_url" in text
