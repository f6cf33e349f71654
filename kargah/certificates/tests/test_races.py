"""Race test on PostgreSQL: the class's completion and the certificates job (or two runs of
the job) issue one place's certificate at the same moment. The place's row lock makes the
second wait and find the first's certificate: one certificate, one audit row, one message.
The control case reads the row without the lock and shows the race is real: both find none,
both insert, and one fails on the one-certificate-per-place constraint (a 500, or a failed
job run)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from kargah.certificates import selectors, services
from kargah.certificates.models import Certificate
from kargah.certificates.tests.conftest import make_world
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import Enrollment
from kargah.notifications.models import InboxItem
from kargah.testing.races import require_postgresql, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
# Long enough that both are inside their transactions, past the look for a certificate, at once.
WINDOW_SECONDS = 0.3
NOW = dt.datetime(2024, 12, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def slow_count(monkeypatch: pytest.MonkeyPatch) -> None:
    real = selectors.place_attendance

    def slow(**kwargs: Any) -> selectors.PlaceAttendance:
        found = real(**kwargs)
        time.sleep(WINDOW_SECONDS)
        return found

    monkeypatch.setattr(selectors, "place_attendance", slow)


def two_issuers(place: Enrollment) -> list:
    return [lambda: services.certificate_issue(enrollment=place, now=NOW)] * 2


def test_two_issuers_at_once_make_one_certificate(slow_count: None) -> None:
    require_postgresql()
    world = make_world()

    outcomes = run_concurrently(two_issuers(world.place))

    assert outcomes == ["ok", "ok"], outcomes
    assert Certificate.objects.filter(enrollment=world.place).count() == 1
    assert AuditLogEntry.objects.filter(action="certificate.issued").count() == 1
    assert InboxItem.objects.filter(kind="certificate_issued").count() == 1


def test_the_completion_and_the_job_at_once_make_one_certificate(slow_count: None) -> None:
    require_postgresql()
    world = make_world()

    outcomes = run_concurrently(
        [
            lambda: services.certificates_issue_for_offering(
                offering_id=world.offering.pk, now=NOW
            ),
            lambda: services.certificates_issue_due(now=NOW),
        ]
    )

    assert outcomes == ["ok", "ok"], outcomes
    assert Certificate.objects.count() == 1  # Bahar's 50 % earns none
    assert AuditLogEntry.objects.filter(action="certificate.issued").count() == 1


def test_control_without_the_row_lock_one_issuer_fails(
    slow_count: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_postgresql()
    world = make_world()
    monkeypatch.setattr(
        services,
        "_locked_enrollment",
        lambda pk: Enrollment.objects.select_related(
            "learner", "family__guardian", "offering__course", "offering__center"
        ).get(pk=pk),
    )

    outcomes = run_concurrently(two_issuers(world.place))

    failed = [o for o in outcomes if o != "ok"]
    assert len(failed) == 1 and "IntegrityError" in failed[0], outcomes
    assert Certificate.objects.filter(enrollment=world.place).count() == 1
