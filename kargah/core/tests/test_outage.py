"""A database outage (issue 8, finding 9): every API 5xx was an HTML page with no 503 and no
Retry-After. Now the API answers JSON {detail, code} with 503 and Retry-After, in Persian,
and a page answers a light Persian 503 page; a refused statement on a working connection
is still the usual 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import DataError, OperationalError, connection
from django.test import Client

from kargah.catalog.tests.factories import OfferingFactory
from kargah.core.outage import RETRY_AFTER_SECONDS, is_database_outage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_down() -> Iterator[None]:
    """The server stops answering: the next connection goes to a port nobody listens on."""
    OfferingFactory.create(published=True)
    settings = connection.settings_dict
    real = settings["PORT"], settings["HOST"]
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        connection.close()
        settings["PORT"], settings["HOST"] = real


def test_the_api_answers_json_503_with_retry_after(database_down):
    response = Client(raise_request_exception=False).get(
        "/api/v1/offerings", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = json.loads(response.content)
    assert set(body) == {"detail", "code"}
    assert body["code"] == "database_unavailable"
    assert "دقیقه" in body["detail"]  # Persian by default


def test_a_page_answers_a_persian_503_page(database_down):
    response = Client(raise_request_exception=False).get("/catalog/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'lang="fa"' in page and 'dir="rtl"' in page
    assert "دقیقه" in page


def test_the_english_choice_is_kept(database_down):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    body = client.get("/api/v1/offerings").json()
    assert body["detail"].startswith("The service is briefly unavailable")


def test_a_refused_statement_on_a_working_connection_is_not_an_outage():
    assert is_database_outage(OperationalError("server closed the connection unexpectedly"))
    assert not is_database_outage(DataError("value too long"))
    assert not is_database_outage(ValueError("not the database"))
