"""The attendance API (issue 10, item 6): the instructor reads a session's sheet and
confirms or corrects a learner; another instructor or a family gets a 404; after the window
the answer is a Persian 400 with code window_closed."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts.models import User
from kargah.accounts.tests.support import Clock
from kargah.catalog.tests.factories import InstructorFactory
from kargah.core.models import AuditLogEntry
from kargah.teaching.models import Attendance, AttendanceStatus
from kargah.teaching.tests.conftest import TODAY, World, tehran

pytestmark = pytest.mark.django_db
URL = "/api/v1/attendance"


def api_of(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_instructor_reads_and_marks_the_sheet(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 16, 30)
    client = api_of(world.instructor)
    sheet = client.get(URL, {"session": world.session.pk})
    assert sheet.status_code == 200
    body = sheet.json()
    assert body["editable"] is True
    assert {row["learner"] for row in body["rows"]} == {world.child.pk, world.other_child.pk}
    assert all(row["status"] is None for row in body["rows"])

    answer = client.post(
        URL, {"session": world.session.pk, "learner": world.child.pk, "status": "excused"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 200
    row = next(r for r in answer.json()["rows"] if r["learner"] == world.child.pk)
    assert (row["status"], row["confirmed"]) == ("excused", True)
    assert Attendance.objects.get().status == AttendanceStatus.EXCUSED
    assert AuditLogEntry.objects.filter(action="attendance.corrected").count() == 1


def test_after_the_window_the_answer_is_a_persian_refusal(world: World, clock: Clock) -> None:
    clock.current = world.session.ends_at + dt.timedelta(days=3, minutes=1)
    answer = api_of(world.instructor).post(
        URL, {"session": world.session.pk, "learner": world.child.pk, "status": "present"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["code"] == "window_closed"
    assert "مهلت" in answer.json()["detail"]
    assert not Attendance.objects.exists()


def test_another_instructor_and_a_family_get_404(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 16, 30)
    for user in (InstructorFactory.create(center=world.offering.center), world.guardian):
        client = api_of(user)
        assert client.get(URL, {"session": world.session.pk}).status_code == 404
        posted = client.post(
            URL, {"session": world.session.pk, "learner": world.child.pk, "status": "absent"},
            format="json",
        )  # fmt: skip
        assert posted.status_code == 404
    assert not Attendance.objects.exists()


def test_bad_input_is_a_400_with_field_errors(world: World) -> None:
    client = api_of(world.instructor)
    answer = client.get(URL, {"session": "x"})
    assert answer.status_code == 400 and "session" in answer.json()["errors"]
    answer = client.post(URL, {"session": world.session.pk, "status": "asleep"}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"learner", "status"}
