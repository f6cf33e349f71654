"""The desk with the real classroom (issue 10, parts A and D): the desk's "start the class"
goes through our join endpoint into the fake BBB as a moderator, and the minutes the
classroom recorded become the attendance proposal when the session ends."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.tests.support import Clock
from kargah.catalog.models import SessionStatus
from kargah.classroom.models import JoinRole, PresenceInterval
from kargah.classroom.tests.conftest import fake_bbb  # noqa: F401  (the fake BBB, in-process)
from kargah.teaching import services
from kargah.teaching.models import Attendance, AttendanceStatus
from kargah.teaching.tests.conftest import TODAY, World, tehran

pytestmark = pytest.mark.django_db


def test_start_the_class_from_the_desk_enters_the_fake_as_moderator(
    world: World, clock: Clock
) -> None:
    clock.current = tehran(TODAY, 15, 50)
    client = Client()
    client.force_login(world.instructor)
    desk = client.get(reverse("teaching:desk"))
    [item] = desk.context["day"].today
    assert item.join_open
    answer = client.get(item.join_url)
    assert answer.status_code == 302
    parts = urlsplit(answer["Location"])
    assert parts.path.endswith("/bigbluebutton/api/join")
    assert parse_qs(parts.query)["role"] == ["MODERATOR"]


def _inside(world: World, learner, joined: tuple[int, int], left: tuple[int, int]) -> None:
    PresenceInterval.objects.create(
        session=world.session, person_key=f"learner-{learner.pk}", learner=learner,
        full_name=learner.full_name, role=JoinRole.VIEWER,
        joined_at=tehran(TODAY, *joined), left_at=tehran(TODAY, *left),
    )  # fmt: skip


def test_the_classroom_minutes_become_the_proposal(world: World, clock: Clock) -> None:
    # The child came in at 16:12 (late) and stayed to the end; the other child was in at
    # 15:58 (early minutes do not count) and left at 16:20: twenty minutes of sixty.
    _inside(world, world.child, (16, 12), (17, 5))
    _inside(world, world.other_child, (15, 58), (16, 20))
    clock.current = tehran(TODAY, 17, 6)
    world.session.status = SessionStatus.HELD  # the lifecycle job: taught, and over
    world.session.save()
    assert services.attendance_fill_due() == 2
    rows = {a.learner_id: a for a in Attendance.objects.all()}
    assert (rows[world.child.pk].status, rows[world.child.pk].minutes_attended) == (
        AttendanceStatus.LATE, 48,
    )  # fmt: skip
    assert (rows[world.other_child.pk].status, rows[world.other_child.pk].minutes_attended) == (
        AttendanceStatus.LATE, 20,
    )  # fmt: skip
    # The job's next run finds the same minutes and writes nothing.
    clock.advance(minutes=5)
    assert services.attendance_fill_due() == 0
