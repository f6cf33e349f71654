"""Faults of the helpers: a database outage is a 503 with Retry-After, cache errors are named."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from kargah.core.api_middleware import api_error, is_api

logger = logging.getLogger(__name__)

# Long enough for PostgreSQL to restart or fail over, short enough for a family to wait.
RETRY_AFTER_SECONDS = 30
CODE = "database_unavailable"

# The errors of a shared cache that is down or slow (redis-py's ConnectionError and
# TimeoutError are RedisErrors; a socket that breaks midway is an OSError).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


def _connection_lost() -> bool:
    """Whether a database connection is closed or broken (a DatabaseError raised with it is
    then the outage, not a refused statement)."""
    for alias in connections:
        raw = getattr(connections[alias], "connection", None)
        if raw is not None and (getattr(raw, "closed", False) or getattr(raw, "broken", False)):
            return True
    return False


def is_database_outage(exc: BaseException) -> bool:
    """The database cannot be reached or dropped the connection: OperationalError (refused,
    restarting, shut down, timed out), InterfaceError (used after it closed), or any other
    DatabaseError on a connection that is gone."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DatabaseError) and _connection_lost()


def outage_response(request: HttpRequest) -> HttpResponse:
    """Built from nothing the database holds: no user, no session, no context processors."""
    detail = _("The service is briefly unavailable. Please try again in a minute.")
    response: HttpResponse
    if is_api(request):
        response = api_error(503, detail, CODE)
    else:
        response = HttpResponse(
            render_to_string("core/outage.html", {"detail": detail}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns a database outage in a view into a 503 the caller can act on (issue 8, finding
    9: every API 5xx was an HTML page, with no Retry-After). Errors in a statement that the
    database refused on a working connection are left to the usual 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logger.warning("database outage on %s %s: %s", request.method, request.path, exception)
        return outage_response(request)
