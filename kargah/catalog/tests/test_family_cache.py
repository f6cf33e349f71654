"""A signed-in family gets the catalog's shared part from the cache and only its own part
(its children, its places) rendered for it; nothing of one family's reaches another
(issue 9, item 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.enrollment.models import EnrollmentStatus, WaitingListEntry

pytestmark = pytest.mark.django_db

LIST = "/catalog/"


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.KARGAH_PUBLIC_CACHE_SECONDS = 30


def _family(first_name: str, age: int):
    guardian = GuardianFactory.create()
    today = timezone.localdate()
    child = LearnerFactory.create(
        family=guardian.family, first_name=first_name, birth_date=dt.date(today.year - age, 1, 1)
    )
    return guardian, child


def _page(client, guardian, **params) -> str:
    client.force_login(guardian)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


def test_two_families_never_see_each_others_part_of_a_cached_list(
    client, django_assert_max_num_queries
):
    offering = OfferingFactory.create(published=True, course__title="سفالگری")
    first, first_child = _family("آرمان", 9)
    second, second_child = _family("بهاره", 10)
    EnrollmentFactory.create(learner=first_child, offering=offering)

    first_page = _page(client, first)
    assert "آرمان" in first_page and "ثبت‌نام شده: آرمان" in first_page
    assert "بهاره" not in first_page

    # The second family is served the shared part stored by the first request: only the
    # session, the user, and its children with their places (one query) are read.
    client.force_login(second)
    with django_assert_max_num_queries(3):
        second_page = client.get(LIST).content.decode()
    assert "سفالگری" in second_page
    assert f'<option value="{second_child.pk}">بهاره' in second_page
    assert "آرمان" not in second_page
    assert 'data-testid="family-places"' not in second_page
    assert "<!--family-places" not in second_page


def test_another_familys_child_in_the_query_filters_nothing_even_when_cached(client):
    today = timezone.localdate()
    young = OfferingFactory.create(
        published=True, course__title="برای کودکان", min_age=7, max_age=12
    )
    OfferingFactory.create(published=True, course__title="برای نوجوانان", min_age=13, max_age=16)
    first, first_child = _family("آرمان", 9)
    second, _ = _family("بهاره", 15)
    assert young.min_age <= first_child.age_on(today) <= young.max_age

    filtered = _page(client, first, child=first_child.pk)
    assert "برای کودکان" in filtered and "برای نوجوانان" not in filtered

    # The same query string from a family whose child this is not: an error, no age filter.
    stranger = _page(client, second, child=first_child.pk)
    assert 'data-testid="filter-errors"' in stranger
    assert "برای کودکان" in stranger and "برای نوجوانان" in stranger
    assert "آرمان" not in stranger


def test_a_change_to_a_familys_places_shows_at_once(client):
    offering = OfferingFactory.create(published=True, capacity=1, quorum=1)
    guardian, child = _family("آرمان", 9)
    assert "family-places" not in _page(client, guardian)

    # Neither change bumps the catalog version: the cached shared part stays, the places
    # are the family's own part and are read on every request.
    entry = WaitingListEntry.objects.create(offering=offering, learner=child, family=child.family)
    assert "در فهرست انتظار: آرمان" in _page(client, guardian)

    entry.status = "left"
    entry.save(update_fields=["status"])
    enrollment = EnrollmentFactory.create(learner=child, offering=offering, hold_seat=False)
    page = _page(client, guardian)
    assert "ثبت‌نام شده: آرمان" in page and "در فهرست انتظار" not in page

    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.save(update_fields=["status"])
    assert "family-places" not in _page(client, guardian)


def test_a_visitor_page_carries_no_family_marker(client):
    OfferingFactory.create(published=True)
    page = client.get(LIST).content.decode()
    assert 'data-testid="offering-card"' in page
    assert "<!--family-places" not in page
