"""Idempotent requests (kargah.core.idempotency): the same key and body replays the first
answer and does the work once; another body with the same key is 422; a refusal is
forgotten; concurrent requests with one key have one effect (on PostgreSQL; the control
shows the race with a look-then-insert reservation)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from kargah.accounts.models import User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.core import idempotency
from kargah.core.errors import Conflict, DomainError
from kargah.core.idempotency import (
    REPLAYED_HEADER,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    idempotency_keys_purge,
    idempotent,
    idempotent_execute,
    request_fingerprint,
)
from kargah.core.models import AuditLogEntry, IdempotencyKey
from kargah.core.services import audit_record

PATH = "/api/v1/test-things"


def effects() -> int:
    return AuditLogEntry.objects.filter(action="test.effect").count()


def _effect(user: User) -> None:
    audit_record(actor=user, action="test.effect", obj=user)


class ThingView(APIView):
    """Does one visible thing per run (an audit row) and answers with how many exist."""

    @idempotent
    def post(self, request: Request) -> Response:
        user, data = request.user, request.data
        assert isinstance(user, User) and isinstance(data, dict)
        if data.get("refuse"):
            return Response({"detail": "refused"}, status=400)
        if data.get("fail"):
            # As a service does: its own transaction rolls back what it wrote, and the
            # refusal frees the key.
            with transaction.atomic():
                _effect(user)
                raise DomainError("نه", code="nope")
        _effect(user)
        return Response({"effects": effects(), "echo": data.get("n")}, status=201)


class StrictView(APIView):
    @idempotent(required=True)
    def post(self, request: Request) -> Response:
        return Response({"ok": True})


factory = APIRequestFactory()


def call(
    user: User, data: dict[str, Any], key: str | None = None, view: Any = ThingView, path=PATH
) -> Response:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = factory.post(path, data, format="json", **headers)
    force_authenticate(request, user=user)
    response = view.as_view()(request)
    response.render()
    return response


@pytest.fixture
def user(db: None) -> User:
    return GuardianFactory.create()


@pytest.mark.django_db
class TestDecorator:
    def test_without_a_key_every_request_runs(self, user):
        call(user, {"n": 1})
        call(user, {"n": 1})
        assert effects() == 2
        assert not IdempotencyKey.objects.exists()

    def test_the_same_key_and_body_replay_the_first_answer_and_run_once(self, user):
        first = call(user, {"n": 1}, key="k-1")
        again = call(user, {"n": 1}, key="k-1")
        assert first.status_code == again.status_code == 201
        assert again.data == first.data == {"effects": 1, "echo": 1}
        assert again[REPLAYED_HEADER] == "true"
        assert not first.has_header(REPLAYED_HEADER)
        assert effects() == 1
        stored = IdempotencyKey.objects.get()
        assert (stored.user, stored.key, stored.method, stored.path) == (user, "k-1", "POST", PATH)
        assert stored.response_status == 201

    def test_the_same_fields_in_another_order_are_the_same_request(self, user):
        call(user, {"n": 1, "m": "x"}, key="k")
        again = call(user, {"m": "x", "n": 1}, key="k")
        assert again[REPLAYED_HEADER] == "true"
        assert effects() == 1

    def test_the_same_key_with_another_body_is_422_and_runs_nothing(self, user):
        call(user, {"n": 1}, key="k-2")
        other = call(user, {"n": 2}, key="k-2")
        assert other.status_code == 422
        assert other.data["code"] == "idempotency_key_reused"
        assert other.data["detail"]
        assert effects() == 1

    def test_the_same_key_on_another_path_is_422(self, user):
        call(user, {"n": 1}, key="k-3")
        other = call(user, {"n": 1}, key="k-3", path="/api/v1/other")
        assert other.status_code == 422
        assert effects() == 1

    def test_a_key_belongs_to_one_user(self, user):
        other = GuardianFactory.create()
        call(user, {"n": 1}, key="shared")
        answer = call(other, {"n": 1}, key="shared")
        assert answer.status_code == 201
        assert not answer.has_header(REPLAYED_HEADER)
        assert effects() == 2

    def test_a_refusal_is_forgotten_and_an_exception_rolls_back(self, user):
        refused = call(user, {"refuse": True}, key="k-4")
        assert refused.status_code == 400
        assert effects() == 0
        assert not IdempotencyKey.objects.exists()
        failed = call(user, {"fail": True}, key="k-4")
        assert failed.status_code == 400
        assert failed.data["code"] == "nope"
        assert effects() == 0
        assert not IdempotencyKey.objects.exists()
        # the client fixes the request and sends it again with the same key
        fixed = call(user, {"n": 5}, key="k-4")
        assert fixed.status_code == 201
        assert effects() == 1

    @pytest.mark.parametrize("key", ["", "   ", "with space", "x" * 256, "کلید"])
    def test_a_malformed_key_is_400(self, user, key):
        answer = call(user, {"n": 1}, key=key)
        assert answer.status_code == 400
        assert answer.data["code"] == "idempotency_key_invalid"
        assert effects() == 0

    def test_a_required_key_must_be_sent(self, user):
        answer = call(user, {}, view=StrictView)
        assert answer.status_code == 400
        assert answer.data["code"] == "idempotency_key_required"
        assert call(user, {}, key="ok", view=StrictView).status_code == 200


@pytest.mark.django_db
class TestPrimitive:
    def test_runs_once_and_replays(self, user):
        calls: list[int] = []

        def run() -> tuple[int, Any]:
            calls.append(1)
            return 201, {"id": len(calls)}

        args = {"user": user, "key": "form:1", "method": "post", "path": "/x/", "payload": {"a": 1}}
        first = idempotent_execute(**args, run=run)
        again = idempotent_execute(**args, run=run)
        assert (first.replayed, again.replayed) == (False, True)
        assert first.body == again.body == {"id": 1}
        assert len(calls) == 1
        with pytest.raises(IdempotencyKeyReused):
            idempotent_execute(**{**args, "payload": {"a": 2}}, run=run)
        with pytest.raises(IdempotencyKeyInvalid):
            idempotent_execute(**{**args, "key": ""}, run=run)

    def test_a_key_freed_by_a_refused_holder_is_reserved_again(self, user, monkeypatch):
        """The insert found the key taken, but its holder was refused and freed it before the
        row could be read: the request reserves it again and runs (once)."""
        real = idempotency._reserve
        attempts: list[int] = []

        def taken_then_free(**kwargs: Any) -> int | None:
            attempts.append(1)
            return None if len(attempts) == 1 else real(**kwargs)

        monkeypatch.setattr(idempotency, "_reserve", taken_then_free)
        answer = idempotent_execute(
            user=user, key="freed", method="POST", path="/x/", payload={}, run=lambda: (201, {})
        )
        assert (answer.status, answer.replayed, len(attempts)) == (201, False, 2)
        assert IdempotencyKey.objects.get(key="freed").response_status == 201

    def test_a_key_that_stays_taken_and_unreadable_is_told_to_wait(self, user, monkeypatch):
        monkeypatch.setattr(idempotency, "_reserve", lambda **kwargs: None)
        with pytest.raises(Conflict):
            idempotent_execute(
                user=user, key="k", method="POST", path="/x/", payload={}, run=lambda: (201, {})
            )

    def test_fingerprint_is_canonical(self):
        assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint(
            {"b": [1, 2], "a": 1}
        )
        assert request_fingerprint({"a": 1}) != request_fingerprint({"a": "1 "})

    def test_old_answers_are_purged(self, user):
        idempotent_execute(
            user=user, key="old", method="POST", path="/x/", payload={}, run=lambda: (200, {})
        )
        assert idempotency_keys_purge() == 0
        IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
        assert idempotency_keys_purge() == 1
        assert not IdempotencyKey.objects.exists()


# --- concurrency on PostgreSQL -------------------------------------------------------------

THREADS = 8


def _assert_one_effect(outcomes: list[Any]) -> None:
    """Exactly one request did the work; every other one replayed its answer or, arriving
    while it still ran, was told to retry (409)."""
    assert outcomes.count((201, 1, False)) == 1, outcomes
    assert all(
        o in ((201, 1, False), (201, 1, True)) or str(o).startswith("Conflict(") for o in outcomes
    ), outcomes
    assert len(outcomes) == THREADS
    assert effects() == 1


def _race(user: User) -> list[Any]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run() -> tuple[int, Any]:
        with transaction.atomic():  # as a service does
            _effect(user)
        time.sleep(0.2)  # every other request arrives while this one works
        return 201, {"effects": effects()}

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            answer = idempotent_execute(
                user=user, key="race", method="POST", path=PATH, payload={"n": 1}, run=run
            )
            outcome: Any = (answer.status, answer.body["effects"], answer.replayed)
        except Exception as exc:
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers), "a request thread hung"
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_have_one_effect():
    assert connection.vendor == "postgresql"
    user = GuardianFactory.create()
    outcomes = _race(user)
    _assert_one_effect(outcomes)
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_a_check_then_insert_reservation_races(monkeypatch):
    """Control: with the one-statement reservation replaced by "look, then insert", every
    request looks before any has inserted; all but one then crash into the unique
    constraint (a 500 for the family) instead of being told to wait or replayed. The
    `INSERT … ON CONFLICT DO NOTHING` is what makes the test above pass."""
    assert connection.vendor == "postgresql"

    def look_then_insert(*, user, key, method, path, fingerprint):
        if IdempotencyKey.objects.filter(user=user, key=key).exists():
            return None
        time.sleep(0.2)  # between looking and inserting
        return IdempotencyKey.objects.create(
            user=user, key=key, method=method, path=path, fingerprint=fingerprint
        ).pk

    monkeypatch.setattr(idempotency, "_reserve", look_then_insert)
    user = GuardianFactory.create()
    outcomes = _race(user)
    crashed = [o for o in outcomes if str(o).startswith("IntegrityError(")]
    assert len(crashed) == THREADS - 1, outcomes
    assert effects() == 1


# --- a request that dies (issue 8, finding 9) -----------------------------------------------


def _effect_then(user: User, status: int, body: Any) -> Any:
    def run() -> tuple[int, Any]:
        _effect(user)
        return status, body

    return run


@pytest.mark.django_db
class TestARequestThatDies:
    def test_work_failing_midway_leaves_no_key_and_the_retry_runs(self, user):
        """The database failed in the middle of the work: neither the work nor the key is
        left behind, so the retry with the same key runs (no 409 "still processing")."""
        from django.db import OperationalError

        def dies() -> tuple[int, Any]:
            with transaction.atomic():
                _effect(user)
            raise OperationalError("server closed the connection unexpectedly")

        args: dict[str, Any] = {
            "user": user, "key": "dies", "method": "POST", "path": "/x/", "payload": {},
        }  # fmt: skip
        with pytest.raises(OperationalError):
            idempotent_execute(**args, run=dies)
        assert effects() == 0
        assert not IdempotencyKey.objects.exists()
        retried = idempotent_execute(**args, run=_effect_then(user, 201, {"ok": 1}))
        assert (retried.status, retried.replayed, effects()) == (201, False, 1)

    def test_the_answer_commits_with_the_work(self, user):
        seen: list[Any] = []

        def run() -> tuple[int, Any]:
            _effect(user)
            seen.append(IdempotencyKey.objects.values_list("response_status", flat=True).get())
            return 201, {"done": True}

        idempotent_execute(user=user, key="one", method="POST", path="/x/", payload={}, run=run)
        # While the work ran, its reservation was in its transaction, not committed apart.
        assert seen == [None]
        assert IdempotencyKey.objects.get().response_body == {"done": True}

    def test_what_runs_after_the_commit_gives_the_final_answer(self, user):
        order: list[str] = []

        def run() -> tuple[int, Any]:
            assert idempotency.in_key_transaction()

            def bank() -> tuple[int, Any]:
                order.append("bank")
                return 201, {"url": "b"}

            idempotency.after_key_commit(bank)
            order.append("work")
            return 201, {"url": None}

        answer = idempotent_execute(
            user=user, key="two", method="POST", path="/x/", payload={}, run=run
        )
        assert order == ["work", "bank"]
        assert answer.body == {"url": "b"}
        assert IdempotencyKey.objects.get().response_body == {"url": "b"}
        assert not idempotency.in_key_transaction()

    def test_a_failure_after_the_commit_frees_the_key(self, user):
        def run() -> tuple[int, Any]:
            idempotency.after_key_commit(lambda: 1 / 0)
            return 201, {}

        with pytest.raises(ZeroDivisionError):
            idempotent_execute(
                user=user, key="three", method="POST", path="/x/", payload={}, run=run
            )
        assert not IdempotencyKey.objects.exists()

    def test_after_key_commit_outside_a_key_is_an_error(self):
        with pytest.raises(RuntimeError):
            idempotency.after_key_commit(lambda: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_midway_leaves_no_stuck_key():
    """The server drops the connection in the middle of the work (as when PostgreSQL
    restarts): the retry with the same key runs, instead of a 409 for 7 days."""
    from django.db import DatabaseError

    user = GuardianFactory.create()

    def connection_lost() -> tuple[int, Any]:
        with transaction.atomic():
            _effect(user)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return 201, {}

    args: dict[str, Any] = {
        "user": user, "key": "lost", "method": "POST", "path": PATH, "payload": {},
    }  # fmt: skip
    with pytest.raises(DatabaseError):
        idempotent_execute(**args, run=connection_lost)
    connection.close()  # as Django does at the end of the request
    assert effects() == 0
    assert not IdempotencyKey.objects.exists()
    retried = idempotent_execute(**args, run=_effect_then(user, 201, {"n": 1}))
    assert (retried.status, retried.replayed, effects()) == (201, False, 1)
