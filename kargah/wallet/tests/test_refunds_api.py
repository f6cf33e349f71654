"""POST /api/v1/refund-requests: a guardian's refund request through the API, honouring
the Idempotency-Key header (the same key and body replays the answer and moves money once;
another body is 422; concurrent retries on PostgreSQL have one effect)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.core.idempotency import REPLAYED_HEADER
from kargah.core.models import IdempotencyKey
from kargah.wallet import refunds, selectors
from kargah.wallet.models import LedgerTransaction, RefundRequest
from kargah.wallet.tests.test_refunds import KNOWN_VALID, VALID, top_up

URL = "/api/v1/refund-requests"


def authed(user: User) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": 2_000_000,
        "sheba": "IR05 0170 0000 0012 3456 7890 12",
        "account_holder": "سارا محمدی",
    }
    data.update(overrides)
    return data


@pytest.fixture
def guardian(db: None) -> User:
    user = GuardianFactory.create()
    top_up(user.family, 5_000_000)
    return user


@pytest.mark.django_db
class TestRefundRequestsApi:
    def test_a_request_is_created_and_the_amount_held(self, guardian):
        answer = authed(guardian).post(URL, body(), format="json")
        assert answer.status_code == 201, answer.content
        data = answer.json()
        assert data["amount"] == 2_000_000
        assert data["sheba"] == VALID
        assert data["status"] == "requested"
        assert data["requested_at_jalali"]
        assert RefundRequest.objects.get().pk == data["id"]
        assert selectors.wallet_balance(family=guardian.family) == 3_000_000

    def test_the_same_key_replays_and_moves_money_once(self, guardian):
        client = authed(guardian)
        first = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-123")
        again = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-123")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again[REPLAYED_HEADER] == "true"
        assert RefundRequest.objects.count() == 1
        assert LedgerTransaction.objects.filter(reference__startswith="refund:").count() == 1
        assert selectors.wallet_balance(family=guardian.family) == 3_000_000
        # a new key is a new request
        third = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-456")
        assert third.status_code == 201
        assert selectors.wallet_balance(family=guardian.family) == 1_000_000

    def test_the_same_key_with_another_body_is_422(self, guardian):
        client = authed(guardian)
        client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        other = client.post(URL, body(amount=1_000), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_key_reused"
        assert RefundRequest.objects.count() == 1
        assert selectors.wallet_balance(family=guardian.family) == 3_000_000

    def test_a_refusal_is_not_remembered(self, guardian):
        client = authed(guardian)
        bad = client.post(
            URL, body(sheba="IR060170000000123456789012"), format="json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert bad.status_code == 400
        assert bad.json()["code"] == "invalid_sheba"
        assert not IdempotencyKey.objects.exists()
        fixed = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert fixed.status_code == 201

    def test_more_than_the_balance_is_409(self, guardian):
        answer = authed(guardian).post(URL, body(amount=5_000_010), format="json")
        assert answer.status_code == 409
        assert answer.json()["code"] == "insufficient_balance"
        assert not RefundRequest.objects.exists()

    def test_persian_digits_are_read(self, guardian):
        answer = authed(guardian).post(
            URL, body(amount="۱۰۰۰۰", sheba="۰۵۰۱۷۰۰۰۰۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲"), format="json"
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["amount"] == 10_000

    def test_missing_fields_are_400(self, guardian):
        answer = authed(guardian).post(URL, {"amount": 0}, format="json")
        assert answer.status_code == 400
        assert set(answer.json()["errors"]) >= {"amount", "sheba", "account_holder"}

    def test_only_guardians(self, guardian):
        finance = User.objects.create(username="fin-api", role=Role.FINANCE)
        assert authed(finance).post(URL, body(), format="json").status_code == 403
        assert APIClient().post(URL, body(), format="json").status_code == 401
        assert not RefundRequest.objects.exists()

    def test_the_list_is_the_familys_own(self, guardian):
        other = GuardianFactory.create()
        top_up(other.family, 10_000)
        refunds.refund_request(
            guardian=other, amount=10_000, sheba=KNOWN_VALID, account_holder="دیگری دیگر"
        )
        authed(guardian).post(URL, body(), format="json")
        listing = authed(guardian).get(URL).json()
        assert listing["count"] == 1
        assert listing["results"][0]["sheba"] == VALID


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_request():
    assert connection.vendor == "postgresql"
    guardian = GuardianFactory.create()
    top_up(guardian.family, 5_000_000)
    token, _created = Token.objects.get_or_create(user=guardian)
    threads = 8
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def worker() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        try:
            barrier.wait(timeout=10)
            answer = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="same-key")
            result: tuple[int, Any] = (answer.status_code, answer.json().get("id"))
        except Exception as exc:
            result = (0, repr(exc))
        finally:
            connection.close()
        with lock:
            answers.append(result)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers)
    refund = RefundRequest.objects.get()
    # One request does the work; the others either replay its answer or, arriving while it
    # still runs, are told to retry (409) — none makes a second request.
    assert (201, refund.pk) in answers, answers
    assert all(a in ((201, refund.pk), (409, None)) for a in answers), answers
    assert selectors.wallet_balance(family=guardian.family) == 3_000_000
    assert selectors.ledger_is_balanced()
