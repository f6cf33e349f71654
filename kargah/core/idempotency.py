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
* The key is reserved first, by one `INSERT … ON CONFLICT DO NOTHING` that commits at
  once (the unique constraint on (user, key) serialises requests with one key); then the
  work runs in its services' own transactions, and the answer is stored. No lock is held
  while a service waits for a payment gateway. A second request that finds the key reserved but not yet answered gets 409 ("still being
  processed") and may retry.
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
    was taken. One statement, `INSERT … ON CONFLICT DO NOTHING RETURNING`: the unique
    constraint serialises requests with one key (a second insert waits for the first to
    commit, then does nothing), so no named lock and no transaction of its own are needed.
    It runs before the work, outside the services' transactions (in autocommit it commits
    at once), so a concurrent request with the key sees it and is told to wait."""
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


def idempotent_execute(
    *,
    user: Any,
    key: str,
    method: str,
    path: str,
    payload: Any,
    run: Callable[[], tuple[int, Any]],
) -> Answer:
    """Runs `run()` once per (user, key) and remembers its answer; see the module notes.

    The key is reserved by one committed insert, then `run` does its work with
    its services' own transactions, and the answer is stored. So no lock is held while a
    service waits for a payment gateway. A request that finds the key reserved but not yet
    answered is told to wait (409); a non-2xx answer or an exception frees the key.
    """
    key = clean_key(key)
    method = method.upper()
    path = path[:300]
    fingerprint = request_fingerprint(payload)
    for _attempt in range(2):
        record_id = _reserve(user=user, key=key, method=method, path=path, fingerprint=fingerprint)
        if record_id is not None:
            break
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is not None:
            return _replay(stored, method=method, path=path, fingerprint=fingerprint)
        # The holder of the key was refused and freed it meanwhile: try to reserve again.
    else:
        raise Conflict(_("A request with this Idempotency-Key is still being processed."))
    try:
        status, body = run()
    except BaseException:
        IdempotencyKey.objects.filter(pk=record_id, response_status__isnull=True).delete()
        raise
    if not 200 <= status < 300:
        # Not remembered: the client may correct the request and send it with this key.
        IdempotencyKey.objects.filter(pk=record_id).delete()
        return Answer(status=status, body=body, replayed=False)
    IdempotencyKey.objects.filter(pk=record_id).update(response_status=status, response_body=body)
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
            )
            if not answer.replayed:
                return produced[0]
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
