"""The project's URLs plus /bench/bare: the cheapest Django view, served by the same
processes through the same middleware, as the yardstick for the catalog's figures."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls as project_urls


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare, name="bench-bare"), *project_urls.urlpatterns]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
