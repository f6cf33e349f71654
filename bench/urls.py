"""The project's URLs plus yardsticks served by the same processes through the same
middleware: /bench/bare, the cheapest Django view (for the catalog's and the rush's
figures), /bench/whoami, the cheapest view that knows who is signed in (the catalog's
floor for a signed-in family), and /bench/write, the cheapest authenticated API write (for
the rush's)."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls as project_urls
from kargah.core.services import audit_record


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def whoami(request: HttpRequest) -> HttpResponse:
    """The session and the user read, as any page for a signed-in family must (two queries
    with the database sessions of the production settings), and nothing else."""
    return HttpResponse(str(request.user.pk).encode(), content_type="text/plain")


class Write(APIView):
    """`POST /bench/write`: token authentication as the API's (the project's DRF settings),
    the JSON body parsed, one row (an audit record) written in a transaction and a JSON
    answer, 201. No registration can cost less than this on the same stack."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            entry = audit_record(
                actor=request.user, action="bench.write", obj=request.user, after=request.data
            )
        return Response({"id": entry.pk}, status=201)


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/whoami", whoami, name="bench-whoami"),
    path("bench/write", Write.as_view(), name="bench-write"),
    *project_urls.urlpatterns,
]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
