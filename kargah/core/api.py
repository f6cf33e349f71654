"""API plumbing shared by every app: domain errors become JSON answers in Persian."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kargah.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        return Response(body, status=exc.http_status)
    return drf_exception_handler(exc, context)
