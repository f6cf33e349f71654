"""Unfinished payments expire: once, only when due, never a paid one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from kargah.core.models import AuditLogEntry
from kargah.payments import services, tasks
from kargah.payments.models import PaymentAttempt, PaymentStatus

pytestmark = pytest.mark.django_db


def test_payments_expire_closes_only_what_is_due_and_is_idempotent(start_top_up):
    due = start_top_up(100_000, paid=None)
    fresh = start_top_up(200_000, paid=None)
    paid = start_top_up(300_000)
    services.payment_callback(gateway="sandbox", authority=paid.authority, status_ok=True)
    later = timezone.now() + dt.timedelta(minutes=10)
    PaymentAttempt.objects.filter(pk__in=[due.pk, paid.pk]).update(expires_at=later)
    PaymentAttempt.objects.filter(pk=fresh.pk).update(expires_at=later + dt.timedelta(minutes=10))

    assert services.payments_expire(now=later) == 1
    assert services.payments_expire(now=later) == 0

    statuses = dict(PaymentAttempt.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: PaymentStatus.EXPIRED,
        fresh.pk: PaymentStatus.INITIATED,
        paid.pk: PaymentStatus.VERIFIED,
    }
    assert AuditLogEntry.objects.filter(action="payment.expired").count() == 1


def test_the_ttl_comes_from_the_settings(family, settings):
    settings.KARGAH_PAYMENT_TTL_SECONDS = 60
    attempt = services.wallet_top_up_start(family=family, amount=50_000, mobile=None)
    assert services.payments_expire(now=timezone.now() + dt.timedelta(seconds=30)) == 0
    assert services.payments_expire(now=timezone.now() + dt.timedelta(seconds=61)) == 1
    attempt.refresh_from_db()
    assert attempt.status == PaymentStatus.EXPIRED


def test_the_task_runs_the_service_and_beat_runs_it_every_minute(start_top_up):
    attempt = start_top_up(100_000, paid=None)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tasks.payments_expire.delay().get() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["payments-expire"]
    assert entry["task"] == "kargah.payments.tasks.payments_expire"
    assert entry["schedule"] == dt.timedelta(minutes=1)
