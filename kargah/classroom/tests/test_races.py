"""Race test on PostgreSQL: 50 simultaneous joins to one new room send one `create` to the
classroom server. The control run removes the named lock and shows the race is real.
Run with DATABASE_URL pointing at PostgreSQL; elsewhere it fails at its first line."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from kargah.catalog.models import Session
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory, SessionFactory
from kargah.classroom import selectors, services
from kargah.classroom.fakebbb import server
from kargah.classroom.models import JoinLog, Room
from kargah.testing.races import require_postgresql, run_n_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOINS = 50


@pytest.fixture
def slow_fake(settings) -> None:
    """The fake answers after 50 ms, as a real server might: a wide window for the race."""
    settings.KARGAH_BBB_FAKE_DELAY_MS = 50


def _storm(monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[Session, list[str]]:
    offering = OfferingFactory.create(published=True, with_sessions=False, capacity=JOINS, quorum=1)
    start = timezone.now() + dt.timedelta(minutes=5)
    session = SessionFactory.create(
        offering=offering, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    learners = [EnrollmentFactory.create(offering=offering).learner for _ in range(JOINS)]

    def click(i: int) -> None:
        learner = learners[i]
        read = selectors.join_read(
            user=learner.family.guardian, session_id=session.pk, learner_id=learner.pk
        )
        assert read is not None and read.access is not None
        services.join_start(
            session=read.session,
            user=learner.family.guardian,
            access=read.access,
            ip="127.0.0.1",
            room=read.room,
        )

    return session, run_n_concurrently(click, JOINS)


def test_fifty_simultaneous_joins_create_the_room_once(slow_fake):
    require_postgresql()
    session, outcomes = _storm()
    assert outcomes == ["ok"] * JOINS
    assert server.create_calls() == 1
    assert Room.objects.filter(session=session).count() == 1
    assert JoinLog.objects.filter(session=session, outcome="joined").count() == JOINS


def test_control_without_the_lock_several_creates_reach_the_server(slow_fake, monkeypatch):
    require_postgresql()
    monkeypatch.setattr(services, "lock_keys", lambda *keys: None)
    started = time.monotonic()
    session, outcomes = _storm()
    assert outcomes == ["ok"] * JOINS, outcomes
    assert server.create_calls() > 1, "without the lock the race did not show"
    assert Room.objects.filter(session=session).count() == 1  # the row is unique anyway
    assert time.monotonic() - started < 60
