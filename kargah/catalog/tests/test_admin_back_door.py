"""The Django admin's back door closed (issue 11 item 11): published offerings, sessions,
enrollments and ledger rows are read there, changed only through the services; the admin is
the administrator's alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.services import staff_user_create
from kargah.accounts.tests.factories import CenterFactory
from kargah.catalog.models import Offering
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import Enrollment
from kargah.enrollment.tests.conftest import top_up
from kargah.wallet.models import LedgerEntry, LedgerTransaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = User.objects.create(
        username="root", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return client


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def delete_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])


@pytest.mark.parametrize("field", ["capacity", "fee_rials", "registration_closes_at"])
def test_the_admin_refuses_to_change_a_published_offering(superuser_client, field):
    offering = OfferingFactory.create(published=True, capacity=20, fee_rials=5_000_000)
    before = (
        Offering.objects.values_list("capacity", "fee_rials", "registration_closes_at").get(),
        AuditLogEntry.objects.count(),
    )
    data = {"capacity": "999", "fee_rials": "10", "registration_closes_at_0": "1405/01/01"}
    response = superuser_client.post(change_url(offering), {field: data.get(field, "1")})
    assert response.status_code == 403
    after = (
        Offering.objects.values_list("capacity", "fee_rials", "registration_closes_at").get(),
        AuditLogEntry.objects.count(),
    )
    assert after == before
    assert superuser_client.post(delete_url(offering), {"post": "yes"}).status_code == 403
    assert Offering.objects.filter(pk=offering.pk).exists()


def test_a_published_offering_is_shown_read_only_and_a_draft_stays_editable(superuser_client):
    published = OfferingFactory.create(published=True)
    draft = OfferingFactory.create()
    shown = superuser_client.get(change_url(published))
    assert shown.status_code == 200
    assert 'name="capacity"' not in shown.content.decode()
    editable = superuser_client.get(change_url(draft))
    assert editable.status_code == 200
    assert 'name="capacity"' in editable.content.decode()


def test_enrollments_are_never_changed_or_deleted_in_the_admin(superuser_client):
    enrollment = EnrollmentFactory.create()
    response = superuser_client.post(change_url(enrollment), {"status": "cancelled"})
    assert response.status_code == 403
    assert superuser_client.post(delete_url(enrollment), {"post": "yes"}).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "confirmed" and Enrollment.objects.count() == 1


def test_ledger_rows_are_never_editable(superuser_client):
    family = EnrollmentFactory.create().family
    top_up(family, 1_000_000)
    row = LedgerTransaction.objects.get()
    entries = list(LedgerEntry.objects.values_list("account_id", "amount"))
    assert superuser_client.post(change_url(row), {"memo": "x"}).status_code == 403
    assert superuser_client.post(delete_url(row), {"post": "yes"}).status_code == 403
    add = reverse("admin:wallet_ledgertransaction_add")
    assert superuser_client.get(add).status_code == 403
    assert list(LedgerEntry.objects.values_list("account_id", "amount")) == entries


@pytest.mark.parametrize("role", [Role.CENTER_STAFF, Role.FINANCE, Role.QUALITY])
def test_staff_roles_have_no_admin_and_no_admin_link(client, role):
    """Their desks are their way in; the administrator keeps the admin."""
    center = CenterFactory.create() if role == Role.CENTER_STAFF else None
    user = staff_user_create(
        actor=None, username=f"desk-{role}", password="desk-pass-1403", role=role, center=center
    )
    assert not user.is_staff
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 302  # to the admin's sign-in
    page = client.get(reverse("catalog:list")).content.decode()
    assert reverse("admin:index") not in page


def test_the_administrator_keeps_the_admin_and_its_link(client):
    user = staff_user_create(
        actor=None, username="boss", password="boss-pass-1403", role=Role.ADMINISTRATOR,
        center=None,
    )  # fmt: skip
    assert user.is_staff
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert reverse("admin:index") in client.get(reverse("catalog:list")).content.decode()
