"""Redis down, and then the SMS provider down, while families register (issue 12): the
registrations succeed, their messages wait in the outbox, and after recovery every message
is delivered, none twice."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kargah.accounts.tests.support import Clock
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import make_child, make_offering, top_up
from kargah.notifications import ratelimit, tasks
from kargah.notifications.models import Channel, OutboxMessage, OutboxStatus
from kargah.notifications.reminders import REMINDER_KINDS
from kargah.notifications.sms.fake import FakeSmsProvider
from kargah.testing.faults import DOWN_CACHES, broker_down

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENROLLMENTS = "/api/v1/enrollments"


def _register(offering) -> None:
    child = make_child()
    top_up(child.family, int(offering.fee_rials or 0))
    api = APIClient()
    api.force_authenticate(child.family.guardian)
    data = {"learner": child.pk, "offering": offering.pk, "accept_terms": True}
    response = api.post(ENROLLMENTS, data, format="json")
    assert response.status_code == 201, response.content


def _sms_messages() -> list[OutboxMessage]:
    """The families' news of their registrations (their reminders are due days later)."""
    return list(
        OutboxMessage.objects.filter(channel=Channel.SMS)
        .exclude(kind__in=REMINDER_KINDS)
        .order_by("id")
    )


def test_redis_then_the_provider_down_while_families_register(
    settings, monkeypatch: pytest.MonkeyPatch, sms: FakeSmsProvider
):
    clock = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", clock)
    offering = make_offering(capacity=10, quorum=2)
    # The production limits: a rate limit kept in Redis (which is down, too).
    settings.KARGAH_SMS_RATE_PER_SECOND = 100
    ratelimit.reset()

    # 1. Redis is down: the cache, the broker and the shared rate limit refuse every call.
    real_caches = settings.CACHES
    settings.CACHES = DOWN_CACHES
    settings.REDIS_URL = "redis://127.0.0.1:1/5"
    with monkeypatch.context() as outage:
        outage.setattr(tasks.outbox_send, "delay", broker_down)
        outage.setattr(tasks.outbox_send, "apply_async", broker_down)
        for _ in range(3):
            _register(offering)
    assert Enrollment.objects.filter(status=EnrollmentStatus.CONFIRMED).count() == 3
    assert len(_sms_messages()) == 3
    assert {m.status for m in _sms_messages()} == {OutboxStatus.PENDING}
    assert sms.sent == []

    # 2. Redis is back, the SMS provider is down: the after-commit sends and the flush fail
    # and are kept with their reason and a back-off.
    settings.CACHES = real_caches
    sms.down = True
    for _ in range(2):
        _register(offering)
    assert tasks.outbox_flush() == 3  # the two new ones wait for their back-off
    messages = _sms_messages()
    assert len(messages) == 5
    assert all(m.status == OutboxStatus.PENDING for m in messages)
    assert all(m.attempts >= 1 and "down" in m.last_error for m in messages)
    assert sms.sent == []

    # 3. The provider recovers. Once the back-off has passed the flush sends them all; late
    # duplicate tasks and later flushes send nothing again.
    sms.down = False
    clock.advance(minutes=5)
    assert tasks.outbox_flush() == 5
    for message in messages:
        tasks.outbox_send(message.pk)
    clock.advance(minutes=30)
    assert tasks.outbox_flush() == 0

    # 4. The provider's delivery reports come in: every message delivered, each once.
    clock.advance(minutes=2)
    assert tasks.outbox_check_delivery() == 5
    messages = _sms_messages()
    assert {m.status for m in messages} == {OutboxStatus.DELIVERED}
    sent = Counter((s.recipient, s.body) for s in sms.sent)
    assert len(sent) == 5
    assert set(sent.values()) == {1}
    assert sorted(s.reference for s in sms.sent) == sorted(m.provider_reference for m in messages)
    assert all(m.parts >= 1 and m.cost_rials > 0 for m in messages)
