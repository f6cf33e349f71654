"""Fixtures of the classroom tests: the fake BBB answering in-process, its callbacks
delivered through Django's test client, a session starting soon with an instructor and a
confirmed child, and a movable clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from kargah.accounts.models import Learner, User
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Offering, Session
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory, SessionFactory
from kargah.classroom.bbb import breaker
from kargah.classroom.bbb import http as bbb_http
from kargah.classroom.fakebbb import server
from kargah.classroom.fakebbb.transport import FakeBBBTransport
from kargah.devicecheck.models import DeviceCheck


class DjangoClientTransport(httpx.BaseTransport):
    """Delivers the fake's callbacks to our views through Django's test client."""

    def __init__(self) -> None:
        self.client = Client()
        self.responses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        response = self.client.generic(
            request.method,
            path,
            data=request.content,
            content_type=request.headers.get("content-type", ""),
        )
        self.responses.append(response.status_code)
        return httpx.Response(response.status_code, content=response.content)


@pytest.fixture(autouse=True)
def fake_bbb(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBBBTransport]:
    transport = FakeBBBTransport()
    monkeypatch.setattr(bbb_http, "_default_transport", transport)
    monkeypatch.setattr(server, "callback_transport", DjangoClientTransport())
    server.reset()
    breaker.reset()
    yield transport
    server.reset()
    breaker.reset()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def offering(db: None) -> Offering:
    return OfferingFactory.create(published=True, with_sessions=False)


@pytest.fixture
def session(offering: Offering, clock: Clock) -> Session:
    """A session that starts in ten minutes (its join window is open) and lasts an hour."""
    start = clock() + dt.timedelta(minutes=10)
    return SessionFactory.create(
        offering=offering, starts_at=start, ends_at=start + dt.timedelta(minutes=60)
    )


@pytest.fixture
def instructor(offering: Offering) -> User:
    return offering.instructors.get()


def device_check_passed(learner: Learner) -> None:
    """A passing device check of today, so the join goes straight in (R5, R8–R10)."""
    DeviceCheck.objects.create(
        learner=learner, browser_ok=True, camera_ok=True, microphone_ok=True,
        speaker_ok=True, connection_ok=True, passed=True,
    )  # fmt: skip


@pytest.fixture
def child(offering: Offering) -> Learner:
    learner = EnrollmentFactory.create(offering=offering).learner
    device_check_passed(learner)
    return learner


@pytest.fixture
def guardian(child: Learner) -> User:
    return child.family.guardian


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def join(user: User, session: Session, learner: Learner | None = None, **extra: Any) -> Any:
    url = f"/class/session/{session.pk}/join/"
    if learner is not None:
        url += f"?learner={learner.pk}"
    return signed_in(user).get(url, **extra)
