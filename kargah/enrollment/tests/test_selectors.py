"""Reads of enrollment: only the family's own rows; the schedule of confirmed classes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from kargah.catalog.models import SessionStatus
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.enrollment import selectors
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import make_child, make_offering

pytestmark = pytest.mark.django_db


def test_family_schedule_lists_upcoming_sessions_of_confirmed_classes(clock):
    child = make_child()
    sibling = make_child(family=child.family)
    guardian = child.family.guardian
    painting, robotics, unpaid, dropped = (make_offering(weekday=d) for d in (0, 1, 2, 3))
    EnrollmentFactory.create(learner=child, offering=painting)
    EnrollmentFactory.create(learner=sibling, offering=painting)
    EnrollmentFactory.create(learner=child, offering=robotics)
    EnrollmentFactory.create(
        learner=child, offering=unpaid, status=EnrollmentStatus.AWAITING_PAYMENT
    )
    EnrollmentFactory.create(learner=child, offering=dropped, status=EnrollmentStatus.DROPPED)
    EnrollmentFactory.create(offering=robotics)  # another family
    cancelled = robotics.sessions.order_by("starts_at")[1]
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()

    # Annotated with the child's id and names.
    sessions: list[Any] = list(selectors.family_schedule(guardian=guardian))

    per = painting.course.session_count
    assert len(sessions) == 2 * per + (per - 1)
    assert [s.starts_at for s in sessions] == sorted(s.starts_at for s in sessions)
    assert {s.offering_id for s in sessions} == {painting.pk, robotics.pk}
    assert {(s.offering_id, s.learner_id) for s in sessions} == {
        (painting.pk, child.pk), (painting.pk, sibling.pk), (robotics.pk, child.pk),
    }  # fmt: skip
    assert sessions[0].learner_first_name == child.first_name

    # Past sessions drop out.
    clock.current = painting.sessions.order_by("starts_at")[0].ends_at + dt.timedelta(minutes=1)
    assert len(list(selectors.family_schedule(guardian=guardian))) == len(sessions) - 2


def test_a_guardian_sees_only_the_familys_enrollments(clock):
    mine = EnrollmentFactory.create(learner=make_child(), offering=make_offering())
    theirs = EnrollmentFactory.create(learner=make_child(), offering=mine.offering)
    guardian = mine.learner.family.guardian
    assert list(selectors.enrollments_for_guardian(guardian=guardian)) == [mine]
    assert selectors.enrollment_get_for_guardian(guardian=guardian, enrollment_id=mine.pk) == mine
    with pytest.raises(Http404):
        selectors.enrollment_get_for_guardian(guardian=guardian, enrollment_id=theirs.pk)
    assert list(selectors.enrollments_for_guardian(guardian=AnonymousUser())) == []
    assert list(selectors.family_schedule(guardian=AnonymousUser())) == []


def test_can_drop_only_paid_places_before_the_deadline(clock):
    offering = make_offering()
    deadline = selectors.drop_deadline(offering)
    assert deadline is not None and offering.registration_closes_at is not None
    assert deadline == offering.registration_closes_at - dt.timedelta(days=1)
    confirmed = EnrollmentFactory.create(offering=offering)
    unpaid = EnrollmentFactory.create(offering=offering, status=EnrollmentStatus.AWAITING_PAYMENT)
    early = deadline - dt.timedelta(microseconds=1)
    assert selectors.can_drop(confirmed, early) and selectors.can_switch(confirmed, early)
    assert not selectors.can_drop(confirmed, deadline)
    assert not selectors.can_drop(unpaid, early)
