"""Idempotent requests: a client that sends a money-moving request again with the same
`Idempotency-Key` header gets the first answer again, and the work is done once (rule 9).

On a DRF view method, the decorator is all there is to it::

    from kargah.core.idempotency import idempotent

    class EnrollmentCreateView(APIView):
        @idempotent                      # or @idempotent(required=True)
        def post(self, request: Request) -> Response:
            ...                          # parse, call one service, answer

Anything else (a page's form with a hidden one-time token, a job) calls the primitive,
`idempotent_execute(user=…, key=…, method=…, path=…, payload=…, run=…)`, where `run` does
the work and returns `(status, json_body)`.

The rules:

* A key belongs to the signed-in user (two users may pick the same key). It is 1–255
  printable ASCII characters; a UUID is a good key. A request without the header runs as
  usual (or gets 400 with `required=True`); so does an anonymous one.
* Same key, same method, path and body → the stored status and JSON body are answered
  again, with the header `Idempotent-Replayed: true`; the view does not run.
* Same key with another method, path or body → 422, code `idempotency_key_reused`, with a
  Persian message; nothing runs.
* Only a successful (2xx) answer is remembered, so after a refusal the client may fix the
  request and send it again with the same key. A refusal (an exception, or a non-2xx
  answer) frees the key; the services themselves write nothing when they refuse (rule 12).
* The key, the work and the answer are one transaction (issue 8, finding 9): the key is
  reserved by one `INSERT … ON CONFLICT DO NOTHING` at the start of it, the services' own
  transactions run inside it (as savepoints), and the answer is stored before it commits.
  So a request that dies midway (the database dropped, the worker killed) leaves neither
  its work nor its key behind, and a retry runs; and work that committed always has its
  answer, so a retry whose first answer was lost on the way is answered from it (never
  "already registered"). A second request with the key waits on the unique index until
  the first commits (then it is answered from the stored answer) or rolls back (then it
  runs).
* No lock may be held while a payment gateway is asked: work that calls a bank registers
  that part with `after_key_commit(then)` (`in_key_transaction()` tells a service it runs
  inside a key's transaction). The transaction commits with a provisional answer (e.g.
  the place held, awaiting payment); `then` runs after the commit, outside every lock, and
  its answer replaces the stored one; if it fails, the key is freed as by a refusal. A
  request that dies in between has its provisional answer, which is true.
* The body's fingerprint is a SHA-256 of its canonical JSON (keys sorted), so the same
  fields in another order are the same request.

Remembered answers are kept for `KEEP_FOR`; `idempotency_keys_purge` deletes older ones
(a periodic job may call it).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from kargah.core.errors import Conflict, DomainError
from kargah.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEEP_FOR = dt.timedelta(days=7)


class IdempotencyKeyInvalid(DomainError):
    http_status = 400
    code = "idempotency_key_invalid"


class IdempotencyKeyReused(DomainError):
    """The key was used before for a different request."""

    http_status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


def clean_key(key: str) -> str:
    """The key as stored; raises IdempotencyKeyInvalid for an empty, long or odd one."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise IdempotencyKeyInvalid(
            _(
                "The Idempotency-Key header must be 1 to 255 Latin letters, digits or signs "
                "without spaces (for example a UUID)."
            )
        )
    return key


def _plain(payload: Any) -> Any:
    if isinstance(payload, MultiValueDict):  # QueryDict included
        return {k: v[0] if len(v) == 1 else v for k, v in payload.lists()}
    return payload


def request_fingerprint(payload: Any) -> str:
    """SHA-256 of the payload's canonical JSON (sorted keys; anything odd as text)."""
    text = json.dumps(
        _plain(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(stored: IdempotencyKey, *, method: str, path: str, fingerprint: str) -> Answer:
    if (stored.method, stored.path, stored.fingerprint) != (method, path, fingerprint):
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different request. Use a new key "
                "for a new request."
            )
        )
    if stored.response_status is None:  # cannot be seen outside its transaction; be safe
        raise Conflict(_("A request with this Idempotency-Key is still being processed."))
    return Answer(status=stored.response_status, body=stored.response_body, replayed=True)


def _reserve(*, user: Any, key: str, method: str, path: str, fingerprint: str) -> int | None:
    """Inserts the key's row unless (user, key) has one; returns its id, or None when the key
    was taken. One statement, `INSERT … ON CONFLICT DO NOTHING RETURNING`, run as the first
    of the work's transaction: the unique constraint serialises requests with one key (a
    second insert waits for the first transaction to end, then does nothing if it
    committed the key, or inserts if it rolled back), so no named lock is needed."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path, fingerprint=fingerprint
                ).pk
        except IntegrityError:
            return None
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM stores it
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, method, path, fingerprint, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [user.pk, key, method, path, fingerprint, created_at],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# The parts of the current key's work to run after its transaction commits; None outside.
_after_commit: ContextVar[list[Callable[[], Any]] | None] = ContextVar(
    "kargah_idempotency_after_commit", default=None
)


def in_key_transaction() -> bool:
    """Whether the caller runs inside an Idempotency-Key's transaction, where a call to a
    bank must wait for `after_key_commit`."""
    return _after_commit.get() is not None


def after_key_commit(then: Callable[[], Any]) -> None:
    """Inside a key's transaction: runs `then` once the transaction (and the provisional
    answer) has committed, outside every lock; `then` returns the final answer, a DRF
    Response or `(status, body)`, which replaces the stored one."""
    pending = _after_commit.get()
    if pending is None:
        raise RuntimeError("after_key_commit is for work inside an Idempotency-Key's transaction")
    pending.append(then)


def _status_and_body(answer: Any) -> tuple[int, Any]:
    if isinstance(answer, Response):
        return answer.status_code, answer.data
    status, body = answer
    return int(status), body


def idempotent_execute(
    *,
    user: Any,
    key: str,
    method: str,
    path: str,
    payload: Any,
    run: Callable[[], tuple[int, Any]],
    on_final: Callable[[Any], None] | None = None,
) -> Answer:
    """Runs `run()` once per (user, key) and remembers its answer; see the module notes.

    The key's reservation, `run` and the stored answer are one transaction; what `run`
    hands to `after_key_commit` runs after it commits and gives the final answer
    (`on_final` receives what it returned, e.g. the view's Response).
    """
    key = clean_key(key)
    method = method.upper()
    path = path[:300]
    fingerprint = request_fingerprint(payload)
    pending: list[Callable[[], Any]] = []
    with transaction.atomic():
        for _attempt in range(2):
            record_id = _reserve(
                user=user, key=key, method=method, path=path, fingerprint=fingerprint
            )
            if record_id is not None:
                break
            stored = IdempotencyKey.objects.filter(user=user, key=key).first()
            if stored is not None:
                return _replay(stored, method=method, path=path, fingerprint=fingerprint)
            # Its holder freed it after its transaction had committed: reserve it again.
        else:
            raise Conflict(_("A request with this Idempotency-Key is still being processed."))
        token = _after_commit.set(pending)
        try:
            status, body = run()
        finally:
            _after_commit.reset(token)
        if not 200 <= status < 300:
            # Not remembered: the client may correct the request and send it with this key.
            IdempotencyKey.objects.filter(pk=record_id).delete()
            return Answer(status=status, body=body, replayed=False)
        IdempotencyKey.objects.filter(pk=record_id).update(
            response_status=status, response_body=body
        )
    for then in pending:  # committed with a provisional answer; now outside every lock
        try:
            final = then()
            status, body = _status_and_body(final)
        except BaseException:
            # The provisional answer is no longer the whole truth: free the key, as a
            # refusal does (the work undoes what it did, e.g. gives the held seat back).
            IdempotencyKey.objects.filter(pk=record_id).delete()
            raise
        if on_final is not None:
            on_final(final)
        if not 200 <= status < 300:
            IdempotencyKey.objects.filter(pk=record_id).delete()
            return Answer(status=status, body=body, replayed=False)
        IdempotencyKey.objects.filter(pk=record_id).update(
            response_status=status, response_body=body
        )
    return Answer(status=status, body=body, replayed=False)


ViewMethod = TypeVar("ViewMethod", bound=Callable[..., Response])


def idempotent(view_method: ViewMethod | None = None, *, required: bool = False) -> Any:
    """Decorates a DRF view method (`post`, …) so that it honours the Idempotency-Key
    header. `@idempotent` makes the header optional, `@idempotent(required=True)` refuses a
    request without one (400, code `idempotency_key_required`)."""

    def decorate(method: ViewMethod) -> ViewMethod:
        @functools.wraps(method)
        def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER)
            user = request.user
            if key is None and required:
                raise IdempotencyKeyInvalid(
                    _("Send an Idempotency-Key header with this request."),
                    code="idempotency_key_required",
                )
            if key is None or not getattr(user, "is_authenticated", False):
                return method(self, request, *args, **kwargs)
            produced: list[Response] = []

            def run() -> tuple[int, Any]:
                response = method(self, request, *args, **kwargs)
                produced.append(response)
                return response.status_code, response.data

            answer = idempotent_execute(
                user=user,
                key=key,
                method=request.method or "",
                path=request.path,
                payload=request.data,
                run=run,
                on_final=produced.append,
            )
            if not answer.replayed:
                return cast(Response, produced[-1])
            response = Response(answer.body, status=answer.status)
            response[REPLAYED_HEADER] = "true"
            return response

        return cast(ViewMethod, wrapper)

    if view_method is not None:
        return decorate(view_method)
    return decorate


def idempotency_keys_purge(*, older_than: dt.timedelta = KEEP_FOR) -> int:
    """Deletes remembered answers older than `older_than`; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
