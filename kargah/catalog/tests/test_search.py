"""Persian search: Arabic ي/ك, the zero-width non-joiner, spaces, and Persian, Arabic or
Latin digits are one spelling, on the catalog page and in the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

# Arabic kaf and yeh, a zero-width non-joiner, a Persian digit two.
ARABIC_TITLE = "كتاب\u200cخواني ۲"
QUERIES = [
    "کتابخوانی 2",  # Persian letters, no space, Latin digit
    "كتاب خواني ۲",  # Arabic letters, a space, Persian digit
    "کتاب\u200cخوانی ٢",  # Persian letters, ZWNJ, Arabic-Indic digit
    "  كتاب‌خواني  ",  # the stored spelling itself, padded
    "خوانی",  # part of a word
]
MISSES = ["کتابخوانی 3", "نقاشی", "کتابخوانیها"]


@pytest.fixture
def reading() -> Offering:
    OfferingFactory.create(
        published=True, course__title="نقاشی با آبرنگ", course__description="رنگ و فرم"
    )
    return OfferingFactory.create(
        published=True, course__title=ARABIC_TITLE, course__description="قصه و کتاب"
    )


@pytest.mark.parametrize("query", QUERIES)
def test_page_search_finds_every_spelling(client, reading, query):
    response = client.get("/catalog/", {"q": query})
    assert response.status_code == 200
    assert [card.offering.pk for card in response.context["cards"]] == [reading.pk]


@pytest.mark.parametrize("query", QUERIES)
def test_api_search_finds_every_spelling(reading, query):
    response = APIClient().get("/api/v1/offerings", {"q": query})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [reading.pk]


@pytest.mark.parametrize("query", MISSES)
def test_other_words_do_not_match(client, reading, query):
    response = client.get("/catalog/", {"q": query})
    assert reading.pk not in [card.offering.pk for card in response.context["cards"]]
    api = APIClient().get("/api/v1/offerings", {"q": query}).json()
    assert reading.pk not in [item["id"] for item in api["results"]]


def test_empty_and_blank_queries_list_everything(client, reading):
    for query in ("", "   ", "\u200c"):
        response = client.get("/catalog/", {"q": query})
        assert len(response.context["cards"]) == 2
        assert APIClient().get("/api/v1/offerings", {"q": query}).json()["count"] == 2


def test_search_matches_the_description_too(client, reading):
    response = client.get("/catalog/", {"q": "قصه"})
    assert [card.offering.pk for card in response.context["cards"]] == [reading.pk]


def test_the_title_is_shown_as_written(client, reading):
    page = client.get("/catalog/", {"q": "کتابخوانی"}).content.decode()
    assert ARABIC_TITLE in page
