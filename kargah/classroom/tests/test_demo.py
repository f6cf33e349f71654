"""The live-class demo: a class with a session whose join window is open now, its
instructor and the first demo family's children in it; seeded again, nothing doubles."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    InstructorFactory,
    TermFactory,
)
from kargah.classroom.demo import DEMO_GUARDIAN, DEMO_INSTRUCTOR, seed_classroom_demo
from kargah.classroom.selectors import join_window
from kargah.classroom.tests.conftest import device_check_passed, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people():
    instructor = InstructorFactory.create(username=DEMO_INSTRUCTOR)
    TermFactory.create(center=instructor.center)
    AgeGroupFactory.create()
    CategoryFactory.create()
    guardian = GuardianFactory.create(mobile=DEMO_GUARDIAN)
    LearnerFactory.create(family=guardian.family)
    return instructor, guardian


def test_the_demo_session_is_open_now_and_both_join(demo_people):
    instructor, guardian = demo_people
    session = seed_classroom_demo()
    assert join_window(session=session).is_open
    assert seed_classroom_demo().pk == session.pk  # again: nothing new
    assert parse_qs(urlsplit(join(instructor, session)["Location"]).query)["role"] == ["MODERATOR"]
    child = guardian.family.learners.get()
    # No device check yet: the child is sent to it first (R5, R8–R10), then goes in.
    assert urlsplit(join(guardian, session, child)["Location"]).path == "/device-check/"
    device_check_passed(child)
    assert parse_qs(urlsplit(join(guardian, session, child)["Location"]).query)["role"] == [
        "VIEWER"
    ]


def test_a_later_run_adds_the_next_session(demo_people):
    first = seed_classroom_demo()
    later = timezone.now() + dt.timedelta(hours=3)
    second = seed_classroom_demo(now=later)
    assert second.number == first.number + 1
    assert join_window(session=second, now=later).is_open
