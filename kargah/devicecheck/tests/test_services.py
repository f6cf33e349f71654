"""Recording a device check: the server's own verdicts, the thresholds, the 30-day validity,
and who may check a child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kargah.accounts.models import LinkStatus
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.devicecheck import selectors
from kargah.devicecheck.models import DeviceCheck
from kargah.devicecheck.services import connection_is_good, device_check_record
from kargah.devicecheck.tests.conftest import CHROME_ANDROID, GOOD, IE11, link

pytestmark = pytest.mark.django_db


def record(guardian, learner, user_agent=CHROME_ANDROID, **changes):
    return device_check_record(
        actor=guardian, learner=learner, user_agent=user_agent, **{**GOOD, **changes}
    )


def test_a_good_check_passes_and_is_audited(guardian, learner):
    check = record(guardian, learner)
    assert check.passed and check.browser_ok and check.connection_ok
    assert (check.browser_name, check.browser_version, check.os_name) == (
        "Chrome Mobile", "126.0", "Android",
    )  # fmt: skip
    assert check.checked_by == guardian
    entry = AuditLogEntry.objects.get(action="device_check.recorded")
    assert entry.object_id == str(check.pk)
    assert entry.after is not None and entry.after["passed"] is True


@pytest.mark.parametrize("failing", ["camera_ok", "microphone_ok", "speaker_ok"])
def test_each_device_step_is_needed(guardian, learner, failing):
    assert not record(guardian, learner, **{failing: False}).passed


def test_the_browser_is_judged_from_the_user_agent_not_the_page(guardian, learner):
    check = record(guardian, learner, user_agent=IE11)
    assert (check.browser_ok, check.passed) == (False, False)


def test_the_connection_thresholds_at_their_boundaries(settings):
    settings.KARGAH_DEVICE_CHECK_MAX_RTT_MS = 300
    settings.KARGAH_DEVICE_CHECK_MIN_DOWNLOAD_KBPS = 1000
    assert connection_is_good(rtt_ms=300, download_kbps=1000)
    assert not connection_is_good(rtt_ms=301, download_kbps=1000)
    assert not connection_is_good(rtt_ms=300, download_kbps=999)
    assert not connection_is_good(rtt_ms=None, download_kbps=5000)
    assert not connection_is_good(rtt_ms=20, download_kbps=None)


def test_a_slow_connection_fails_the_check(guardian, learner):
    check = record(guardian, learner, rtt_ms=900)
    assert (check.connection_ok, check.passed) == (False, False)


def test_the_thresholds_are_settings(guardian, learner, settings):
    settings.KARGAH_DEVICE_CHECK_MIN_DOWNLOAD_KBPS = 5000
    assert not record(guardian, learner).passed  # 4000 kbps is enough no more


def test_a_passed_check_counts_for_30_days_to_the_second(guardian, learner, settings):
    settings.KARGAH_DEVICE_CHECK_VALID_DAYS = 30
    check = record(guardian, learner)
    edge = check.checked_at + dt.timedelta(days=30)
    assert selectors.device_check_current(learner=learner, now=edge) == check
    assert selectors.is_current(check, now=edge)
    later = edge + dt.timedelta(seconds=1)
    assert selectors.device_check_current(learner=learner, now=later) is None
    assert not selectors.is_current(check, now=later)


def test_a_failed_check_after_a_pass_keeps_the_pass_current(guardian, learner):
    passed = record(guardian, learner)
    failed = record(guardian, learner, camera_ok=False)
    assert selectors.device_check_current(learner=learner) == passed
    # The roster shows the latest, which did not pass.
    assert selectors.device_checks_for_learners([learner.pk]) == {learner.pk: failed}


def test_the_latest_check_of_many_learners_in_one_query(
    guardian, learner, django_assert_num_queries
):
    sister = LearnerFactory.create(family=guardian.family)
    never = LearnerFactory.create(family=guardian.family)
    old = record(guardian, learner)
    DeviceCheck.objects.filter(pk=old.pk).update(checked_at=timezone.now() - dt.timedelta(days=2))
    newest = record(guardian, learner, speaker_ok=False)
    sisters = record(guardian, sister)
    with django_assert_num_queries(1):
        found = selectors.device_checks_for_learners([learner.pk, sister.pk, never.pk])
    assert found == {learner.pk: newest, sister.pk: sisters}
    assert selectors.device_checks_for_learners([]) == {}


def test_a_linked_second_guardian_may_check(learner):
    other = link(learner)
    assert record(other, learner).passed


@pytest.mark.parametrize("status", [LinkStatus.REQUESTED, LinkStatus.REVOKED, LinkStatus.REJECTED])
def test_a_link_not_approved_may_not(learner, status):
    other = link(learner, status=status)
    with pytest.raises(DomainError) as refused:
        record(other, learner)
    assert refused.value.code == "not_found"
    assert not DeviceCheck.objects.exists()


def test_another_family_or_staff_may_not(learner):
    for stranger in (GuardianFactory.create(), StaffFactory.create()):
        with pytest.raises(DomainError):
            record(stranger, learner)
    assert not DeviceCheck.objects.exists()
    assert not AuditLogEntry.objects.filter(action="device_check.recorded").exists()
