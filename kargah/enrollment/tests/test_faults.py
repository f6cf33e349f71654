"""Faults around a registration (issue 8, finding 9): the cache (Redis) and the broker are
helpers, not dependencies, so their outage never turns a committed registration into an
error; the confirmation message stays in the outbox for the flush to send later."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.tests.conftest import FEE, money_is_sound, top_up
from kargah.notifications import tasks
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.testing.faults import DOWN_CACHES, broker_down

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENROLLMENTS = "/api/v1/enrollments"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """Redis is down: the shared cache refuses every call, and so does the broker."""
    settings.CACHES = DOWN_CACHES
    settings.KARGAH_PUBLIC_CACHE_SECONDS = 30
    monkeypatch.setattr(tasks.outbox_send, "delay", broker_down)
    monkeypatch.setattr(tasks.outbox_send, "apply_async", broker_down)


def test_a_paid_registration_is_answered_201_while_redis_is_down(
    redis_down, offering, learner, guardian
):
    """Finding 9: the catalog version bump after commit and the task queued on commit used
    to escape as a 500 after the registration and its payment had committed."""
    top_up(guardian.family, FEE)
    api = APIClient()
    api.force_authenticate(guardian)
    data = {"learner": learner.pk, "offering": offering.pk, "accept_terms": True}

    response = api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")

    assert response.status_code == 201, response.content
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert response.json()["id"] == enrollment.pk
    assert money_is_sound()
    # The retry with the same key is the stored answer, not "already registered".
    again = api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == enrollment.pk


def test_the_message_of_a_change_waits_in_the_outbox_while_the_broker_is_down(
    redis_down, offering, learner, guardian, sms
):
    top_up(guardian.family, FEE)
    api = APIClient()
    api.force_authenticate(guardian)
    data = {"learner": learner.pk, "offering": offering.pk, "accept_terms": True}

    assert api.post(ENROLLMENTS, data, format="json").status_code == 201

    message = OutboxMessage.objects.get(kind="enrollment_confirmed")
    assert message.status == OutboxStatus.PENDING
    assert sms.sent == []
    # The periodic flush sends it once the broker's outage no longer matters.
    tasks.outbox_flush()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(sms.sent) == 1


def test_a_registration_whose_answer_was_lost_is_answered_on_retry(
    offering, learner, guardian, monkeypatch
):
    """Finding 9: the registration and its payment committed, then the request died (here a
    failure right after the commit, as when the worker is killed or Redis refuses); the
    retry with the same key is answered with the registration, not "already registered"."""
    from django.db import transaction

    from kargah.enrollment import services_seats

    def dies_after_commit() -> None:
        def boom() -> None:
            raise ConnectionError("the worker died after the commit")

        transaction.on_commit(boom)

    monkeypatch.setattr(services_seats, "catalog_changed", dies_after_commit)
    top_up(guardian.family, FEE)
    api = APIClient()
    api.force_authenticate(guardian)
    data = {"learner": learner.pk, "offering": offering.pk, "accept_terms": True}

    with pytest.raises(ConnectionError):
        api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="lost-answer")
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.CONFIRMED

    monkeypatch.undo()
    again = api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="lost-answer")
    assert again.status_code == 201, again.content
    assert again.json()["id"] == enrollment.pk
    assert again["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.count() == 1
    assert money_is_sound()


def test_the_bank_is_asked_after_the_keys_transaction_commits(
    offering, learner, guardian, monkeypatch
):
    """With an Idempotency-Key the key, the seat and the answer are one transaction; the
    payment gateway is still asked outside it (no seat lock held across a call to a bank),
    and the stored answer carries the bank's page."""
    from django.db import connection

    from kargah.enrollment import services_registration

    seen: list[bool] = []
    real = services_registration._start_payment

    def watched(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(services_registration, "_start_payment", watched)
    api = APIClient()
    api.force_authenticate(guardian)
    data = {"learner": learner.pk, "offering": offering.pk, "accept_terms": True}
    first = api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="bank-1")
    again = api.post(ENROLLMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="bank-1")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == EnrollmentStatus.AWAITING_PAYMENT
    assert first.json()["redirect_url"]
    assert seen == [False]
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
