"""The catalog while Redis is down (issue 8, finding 9): its lists answer, uncached, and a
change to the catalog commits and answers as usual; the failure is logged."""

from __future__ import annotations

import logging

import pytest

from kargah.catalog import cache as catalog_cache
from kargah.catalog.tests.factories import OfferingFactory
from kargah.testing.faults import DOWN_CACHES

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DOWN_CACHES
    settings.KARGAH_PUBLIC_CACHE_SECONDS = 30


@pytest.mark.parametrize("url", ["/catalog/", "/api/v1/offerings"])
def test_the_catalog_answers_while_redis_is_down(redis_down, client, url, caplog):
    OfferingFactory.create(published=True, course__title="سفال‌گری")
    with caplog.at_level(logging.WARNING, logger="kargah.catalog.cache"):
        first = client.get(url)
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert "سفال‌گری" in second.content.decode()
    assert any("cache" in r.getMessage() for r in caplog.records)


def test_a_failed_version_bump_is_logged_not_raised(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="kargah.catalog.cache"):
        catalog_cache._bump()
    assert any("catalog version" in r.getMessage() for r in caplog.records)


def test_served_uncached_while_the_version_cannot_be_read(redis_down, client):
    """With the shared version unknown, nothing is stored locally: a change another
    process makes cannot be hidden behind a stale copy."""
    offering = OfferingFactory.create(published=True, course__title="خوش‌نویسی")
    assert client.get("/catalog/").status_code == 200
    offering.course.title = "تذهیب"
    offering.course.save()
    assert "تذهیب" in client.get("/catalog/").content.decode()
