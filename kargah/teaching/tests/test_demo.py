"""The desk's demo: after the demo seed, instructor.desk has a session about to start (the
join button shows), a held session with confirmed attendance and a note a family sees."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from kargah.accounts.demo import DEMO_PASSWORD, seed_demo
from kargah.accounts.models import User
from kargah.catalog.demo import seed_catalog_demo
from kargah.catalog.models import Session
from kargah.teaching.models import Attendance, ConductNote


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        seed_catalog_demo()
        out = io.StringIO()
        call_command("demo_desk", stdout=out)
        call_command("demo_desk", stdout=out)  # a second run changes nothing
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_demo_instructor_opens_the_desk_and_can_start_the_class(seeded: str) -> None:
    instructor = User.objects.get(username="instructor.desk")
    assert instructor.check_password(DEMO_PASSWORD)
    client = Client()
    client.force_login(instructor)
    page = client.get(reverse("teaching:desk"))
    assert page.status_code == 200
    today = page.context["day"].today
    assert any(item.join_open for item in today), "a session about to start shows its button"
    assert Session.objects.filter(offering__instructors=instructor).count() == 3
    assert "/desk/" in seeded


def test_the_demo_has_attendance_and_a_note_the_family_sees(seeded: str) -> None:
    assert Attendance.objects.filter(confirmed_at__isnull=False).count() >= 3
    note = ConductNote.objects.get()
    guardian = note.learner.family.guardian
    client = Client()
    client.force_login(guardian)
    html = client.get(reverse("enrollment:schedule")).content.decode()
    assert note.text in html and 'data-testid="family-attendance"' in html
