"""The device check API: each child's latest check, and keeping one, with the API's error shapes."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.devicecheck.models import DeviceCheck
from kargah.devicecheck.tests.conftest import CHROME_ANDROID, GOOD, IE11, link

pytestmark = pytest.mark.django_db

URL = "/api/v1/device-checks"


def api(user, user_agent=CHROME_ANDROID) -> Client:
    token = Token.objects.create(user=user)
    return Client(
        headers={
            "Authorization": f"Token {token.key}",
            "Accept-Language": "fa",
            "User-Agent": user_agent,
        }
    )


def test_a_check_is_kept_and_listed(guardian, learner):
    client = api(guardian)
    sister = LearnerFactory.create(family=guardian.family)
    answer = client.post(URL, {"learner": learner.pk, **GOOD}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["passed"] is True and answer.json()["browser_name"] == "Chrome Mobile"
    rows = {row["learner"]: row for row in client.get(URL).json()}
    assert rows[learner.pk]["current"] is True and rows[learner.pk]["latest"]["rtt_ms"] == 80
    assert rows[sister.pk]["current"] is False and rows[sister.pk]["latest"] is None
    assert rows[sister.pk]["check_url"] == f"/device-check/?learner={sister.pk}"


def test_the_server_judges_the_browser_itself(guardian, learner):
    answer = api(guardian, IE11).post(
        URL, {"learner": learner.pk, **GOOD, "browser_ok": True}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["browser_ok"] is False


@pytest.mark.parametrize(
    "hostile",
    [
        {"rtt_ms": -1},
        {"download_kbps": 10**30},
        {"camera_ok": "maybe"},
        {"learner": "x"},
        {"learner": 2**70},
    ],
)
def test_hostile_input_is_a_persian_400_with_the_error_shape(guardian, learner, hostile):
    answer = api(guardian).post(
        URL, {"learner": learner.pk, **GOOD, **hostile}, content_type="application/json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] and body["detail"] and body["errors"]
    assert not DeviceCheck.objects.exists()


def test_another_familys_child_is_404(learner):
    answer = api(GuardianFactory.create()).post(
        URL, {"learner": learner.pk, **GOOD}, content_type="application/json"
    )
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert not DeviceCheck.objects.exists()


def test_a_linked_guardian_sees_and_checks_the_child(learner):
    client = api(link(learner))
    assert [row["learner"] for row in client.get(URL).json()] == [learner.pk]
    assert (
        client.post(
            URL, {"learner": learner.pk, **GOOD}, content_type="application/json"
        ).status_code
        == 201
    )


def test_staff_get_403(learner):
    assert api(StaffFactory.create()).get(URL).status_code == 403
