"""The certificates demo: after the demo seed, 09120000001 downloads a certificate of a
finished class from *My classes*, and its code checks out at /certificates/verify/."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from kargah.accounts.demo import seed_demo
from kargah.accounts.models import User
from kargah.catalog.demo import seed_catalog_demo
from kargah.catalog.models import Session
from kargah.catalog.selectors import closed_days
from kargah.certificates.demo import TITLE
from kargah.certificates.models import Certificate
from kargah.core.persian import to_tehran


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        seed_catalog_demo()
        out = io.StringIO()
        call_command("demo_certificates", stdout=out)
        call_command("demo_certificates", stdout=out)  # a second run changes nothing
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_first_demo_family_downloads_its_certificate(seeded: str) -> None:
    guardian = User.objects.get(mobile="+989120000001")
    certificates = Certificate.objects.filter(enrollment__family=guardian.family)
    assert certificates.exists()
    client = Client()
    client.force_login(guardian)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    for certificate in certificates:
        link = reverse("certificates:download", args=[certificate.pk])
        assert link in page
        answer = client.get(link)
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    code = certificates.first().display_code  # type: ignore[union-attr]
    check = Client().get(reverse("certificates:verify"), {"code": code}).content.decode()
    assert 'data-testid="verify-valid"' in check and TITLE in check


def test_the_demo_shows_the_threshold_and_runs_twice_the_same(seeded: str) -> None:
    # 09120000003's child came to half the sessions: a completed place without a certificate.
    other = User.objects.get(mobile="+989120000003")
    assert not Certificate.objects.filter(enrollment__family=other.family).exists()
    first_family = User.objects.get(mobile="+989120000001").family
    assert Certificate.objects.filter(course_title=TITLE).count() == first_family.learners.count()
    sessions = Session.objects.filter(offering__course__title=TITLE)
    assert sessions.count() == 6
    center = sessions.first().offering.center  # type: ignore[union-attr]
    days = [to_tehran(s.starts_at).date() for s in sessions]
    assert not set(days) & set(closed_days(center=center, start=min(days), end=max(days)))
    first, second = seeded.splitlines()
    assert first == second
