"""Reads of the payments app, with access rules: a family sees only its own attempts."""

from __future__ import annotations

from django.db.models import QuerySet

from kargah.accounts.models import Family
from kargah.payments.models import PaymentAttempt


def payment_attempts_of(*, family: Family) -> QuerySet[PaymentAttempt]:
    """The family's payment attempts, newest first."""
    return PaymentAttempt.objects.filter(family=family).order_by("-created_at", "-id")
