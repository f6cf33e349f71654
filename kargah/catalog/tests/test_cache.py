"""The public catalog lists are served whole to anonymous visitors from a short-lived cache;
every catalog change is seen at once, and nobody signed in is ever served from it."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog import services
from kargah.catalog.cache import catalog_version
from kargah.catalog.tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.KARGAH_PUBLIC_CACHE_SECONDS = 30


def _titles(client, url="/catalog/"):
    return client.get(url).content.decode()


def test_a_repeated_anonymous_request_runs_no_query(client, django_assert_num_queries):
    OfferingFactory.create(published=True, course__title="نقاشی آبرنگ")
    first = client.get("/catalog/")
    with django_assert_num_queries(0):
        second = client.get("/catalog/")
    assert second.status_code == 200
    assert second.content == first.content
    assert "نقاشی آبرنگ" in second.content.decode()


def test_the_api_list_is_cached_for_anonymous_callers_too(client, django_assert_num_queries):
    OfferingFactory.create(published=True)
    first = client.get("/api/v1/offerings")
    with django_assert_num_queries(0):
        second = client.get("/api/v1/offerings")
    assert second.json() == first.json()
    assert second["Content-Type"] == "application/json"


def test_publishing_is_seen_at_once(client, django_capture_on_commit_callbacks, staff, center):
    client.get("/catalog/")
    draft = OfferingFactory.create(
        course__center=center, center=center, with_sessions=True, course__title="رباتیک نو"
    )
    version = catalog_version()
    assert version is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.offering_publish(actor=staff, offering=draft)
    assert catalog_version() == version + 1
    assert "رباتیک نو" in _titles(client)


def test_a_signed_in_guardian_is_never_served_from_the_cache(client, django_assert_max_num_queries):
    OfferingFactory.create(published=True)
    client.force_login(GuardianFactory.create())
    client.get("/catalog/")
    with django_assert_max_num_queries(20) as queries:
        client.get("/catalog/")
    assert len(queries) > 0


def test_a_page_with_a_flash_message_is_neither_served_nor_stored(client):
    OfferingFactory.create(published=True)
    storage = CookieStorage(RequestFactory().get("/"))
    cookie_value = storage._encode([_message("خوش آمدید")])  # type: ignore[attr-defined]
    client.cookies["messages"] = cookie_value
    with_message = client.get("/catalog/").content.decode()
    assert "خوش آمدید" in with_message
    del client.cookies["messages"]
    assert "خوش آمدید" not in client.get("/catalog/").content.decode()


def test_different_filters_are_different_entries(client):
    OfferingFactory.create(published=True, course__title="خوشنویسی")
    assert "خوشنویسی" in _titles(client, "/catalog/?q=خوشنویسی")
    assert "خوشنویسی" not in _titles(client, "/catalog/?q=نجوم")


def _message(text: str):
    from django.contrib.messages.storage.base import Message

    return Message(constants.SUCCESS, text)
