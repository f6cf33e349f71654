"""Every list a family or staff sees says kindly that it is empty and what to do next
(issue 9, item 11): one include, templates/_empty.html, with its drawing and action."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.catalog.tests.factories import InstructorFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def guardian() -> User:
    return GuardianFactory.create()


def guardian_with_a_child() -> User:
    user = GuardianFactory.create()
    LearnerFactory.create(family=user.family)
    return user


def staff() -> User:
    return StaffFactory.create()


def finance() -> User:
    return StaffFactory.create(role=Role.FINANCE, center=None)


def offering_without_sessions(user: User) -> list[int]:
    return [OfferingFactory.create(center=user.center).pk]


# (who, page, its arguments, the drawing, where the next step leads or None)
PAGES: list[tuple[Callable[[], User], str, Callable[[User], list[int]] | None, str, str | None]] = [
    (guardian, "accounts:family", None, "family", None),  # "Add a child" heads the page
    (guardian, "enrollment:schedule", None, "family", "accounts:learner_add"),
    (guardian_with_a_child, "enrollment:schedule", None, "calendar", "catalog:list"),
    (guardian, "enrollment:wallet", None, "wallet", "catalog:list"),
    (guardian, "wallet:refund_list", None, "coins", "enrollment:wallet"),
    (guardian_with_a_child, "documents:list", None, "folder", "enrollment:schedule"),
    (staff, "catalog_staff:dashboard", None, "calendar", "catalog_staff:offering_create"),
    (staff, "catalog_staff:holidays", lambda user: [1390], "sun", None),
    (staff, "catalog_staff:offering_detail", offering_without_sessions, "calendar", None),
    (staff, "documents:review", None, "folder", None),
    (staff, "accounts:staff_link_requests", None, "link", None),
    (finance, "wallet:finance_refunds", None, "coins", None),
]


@pytest.mark.parametrize(
    ("who", "name", "args", "icon", "action"),
    PAGES,
    ids=[f"{name}-{who.__name__}" for who, name, *_ in PAGES],
)
def test_an_empty_list_says_so_kindly(who, name, args, icon, action):
    user = who()
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, args=args(user) if args else None))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="empty-state"' in page
    assert f"icons/empty.svg#{icon}" in page
    if action is not None:
        assert f'class="btn btn-primary" href="{reverse(action)}"' in page


def test_the_staff_pages_wear_the_calmer_key():
    client = Client()
    client.force_login(StaffFactory.create())
    assert (
        'class="bg-body-tertiary k-staff"'
        in client.get(reverse("documents:review")).content.decode()
    )
    client.force_login(InstructorFactory.create())
    assert (
        'class="bg-body-tertiary k-staff"' in client.get(reverse("teaching:desk")).content.decode()
    )
    client.force_login(GuardianFactory.create())
    page = client.get(reverse("enrollment:wallet")).content.decode()
    assert 'class="bg-body-tertiary k-family"' in page


def test_the_catalog_without_results_keeps_its_ways_out(client: Client):
    page = client.get(reverse("catalog:list"), {"q": "ناموجود"}).content.decode()
    assert 'data-testid="no-results"' in page and "icons/empty.svg#search" in page
