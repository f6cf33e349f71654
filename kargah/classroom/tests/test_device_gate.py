"""The way into a class goes through the device check (issue 10, item 4; R5, R8–R10): a
child with no check, or one older than its validity, is sent to it first, with a way to go
on anyway that does not lead back to the check."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from kargah.catalog.models import Session
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.classroom.models import JoinLog
from kargah.classroom.tests.conftest import join, signed_in
from kargah.devicecheck.models import DeviceCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def unchecked_child(session: Session):
    return EnrollmentFactory.create(offering=session.offering).learner


def test_a_child_with_no_device_check_is_sent_to_it_first(session, unchecked_child):
    response = join(unchecked_child.family.guardian, session, unchecked_child)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/device-check/"
    query = parse_qs(target.query)
    assert query["learner"] == [str(unchecked_child.pk)]
    go_on = query["next"][0]
    assert go_on.startswith(f"/class/session/{session.pk}/join/?learner={unchecked_child.pk}")
    assert "device_check=skip" in go_on
    assert not JoinLog.objects.filter(outcome="joined").exists()


def test_going_on_without_the_check_joins_and_does_not_loop(session, unchecked_child, fake_bbb):
    guardian = unchecked_child.family.guardian
    first = join(guardian, session, unchecked_child)
    go_on = parse_qs(urlsplit(first["Location"]).query)["next"][0]
    response = signed_in(guardian).get(go_on)
    assert response.status_code == 302
    assert "/device-check/" not in response["Location"]
    assert "/bigbluebutton/api/join" in response["Location"]


def test_a_check_older_than_its_validity_sends_the_child_back(session, unchecked_child, settings):
    settings.KARGAH_DEVICE_CHECK_VALID_DAYS = 30
    DeviceCheck.objects.create(
        learner=unchecked_child, passed=True,
        checked_at=timezone.now() - dt.timedelta(days=31),
    )  # fmt: skip
    response = join(unchecked_child.family.guardian, session, unchecked_child)
    assert urlsplit(response["Location"]).path == "/device-check/"


def test_a_current_passing_check_goes_straight_in(session, child):
    response = join(child.family.guardian, session, child)
    assert response.status_code == 302
    assert "/bigbluebutton/api/join" in response["Location"]


def test_an_instructor_is_never_sent_to_the_device_check(session, instructor):
    response = join(instructor, session)
    assert response.status_code == 302
    assert "/bigbluebutton/api/join" in response["Location"]
