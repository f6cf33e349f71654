"""The catalog leads (issue 9, item 4): open classes with seats first, then open but full
ones (the waiting list), then those opening soon, closed ones last, on the page and in
the API alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kargah.catalog.models import Offering, OfferingStatus
from kargah.catalog.tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _offering(title: str, **fields: object) -> Offering:
    return OfferingFactory.create(published=True, course__title=title, **fields)


@pytest.fixture
def mixed() -> list[str]:
    """Offerings created in an order unlike the catalog's; returns the titles in the
    order the catalog must show them."""
    now = timezone.now()
    day = dt.timedelta(days=1)
    _offering("بسته: تمام‌شده", registration_closes_at=now - 5 * day)
    _offering("به‌زودی: دیرتر", registration_opens_at=now + 9 * day)
    _offering("باز: پر", capacity=5, seats_taken=5)
    _offering("بسته: تازه", registration_closes_at=now - day)
    _offering("باز: دیرتر بسته می‌شود", registration_closes_at=now + 12 * day)
    _offering(
        "بسته: در حال برگزاری",
        status=OfferingStatus.RUNNING,
        registration_closes_at=now - 2 * day,
    )
    _offering("به‌زودی: زودتر", registration_opens_at=now + 2 * day)
    _offering("باز: زودتر بسته می‌شود", registration_closes_at=now + 3 * day)
    return [
        "باز: زودتر بسته می‌شود",
        "باز: دیرتر بسته می‌شود",
        "باز: پر",
        "به‌زودی: زودتر",
        "به‌زودی: دیرتر",
        "بسته: تازه",
        "بسته: در حال برگزاری",
        "بسته: تمام‌شده",
    ]


def test_the_page_shows_open_then_soon_then_closed(client, mixed):
    page = client.get("/catalog/")
    titles = [card.offering.course.title for card in page.context["cards"]]
    assert titles == mixed
    states = [card.state for card in page.context["cards"]]
    assert states == ["open"] * 3 + ["not_yet"] * 2 + ["closed"] * 3


def test_the_api_lists_in_the_same_order(mixed):
    api = APIClient().get("/api/v1/offerings").json()
    by_id = dict(Offering.objects.values_list("pk", "course__title"))
    assert [by_id[item["id"]] for item in api["results"]] == mixed


def test_a_search_keeps_the_order(client, mixed):
    page = client.get("/catalog/", {"q": "بسته"})
    titles = [card.offering.course.title for card in page.context["cards"]]
    assert titles == [title for title in mixed if "بسته" in title]
