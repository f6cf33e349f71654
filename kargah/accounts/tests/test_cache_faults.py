"""Staff sign in with a token while Redis is down (issue 8, item 6): the throttle's cache is a
helper, so its outage leaves the sign-in unthrottled for that while instead of a 500."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from kargah.accounts.tests.factories import StaffFactory
from kargah.testing.faults import DOWN_CACHES

pytestmark = pytest.mark.django_db


def test_a_staff_token_is_given_while_redis_is_down(settings, caplog):
    settings.CACHES = DOWN_CACHES
    staff = StaffFactory.create()
    with caplog.at_level(logging.WARNING, logger="kargah.accounts.api"):
        response = APIClient().post(
            "/api/v1/auth/token",
            {"username": staff.username, "password": "staff-pass-1403"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["token"]
    assert any("unthrottled" in r.getMessage() for r in caplog.records)
