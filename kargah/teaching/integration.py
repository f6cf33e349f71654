"""The desk's few calls into its neighbours: the classroom (join window, presence), the
device check, the session's cancellation (issue 10, parts A, B and C) and the ledger's word
on what a place paid (issue 11), in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from kargah.accounts.models import User
from kargah.catalog.models import CancelCause, Session
from kargah.catalog.services_lifecycle import session_cancel
from kargah.classroom.selectors import join_window, session_presence
from kargah.devicecheck.models import DeviceCheck
from kargah.devicecheck.selectors import device_checks_for_learners, is_current
from kargah.wallet.selectors import course_revenue_by_enrollment


@dataclass(frozen=True)
class SeenInRoom:
    """A learner's time in a session's room, as the classroom measured it."""

    learner_id: int
    minutes: int
    first_joined_at: dt.datetime


def presence_in_room(*, session: Session) -> list[SeenInRoom]:
    """The learners the classroom saw in the session's room, with their minutes inside the
    session's own time (joining early or staying late does not count)."""
    return [
        SeenInRoom(learner_id=p.learner_id, minutes=p.minutes, first_joined_at=p.first_joined_at)
        for p in session_presence(session=session)
        if p.learner_id is not None
    ]


def join_is_open(*, session: Session, now: dt.datetime) -> bool:
    """Whether the "start the class" button shows: from the join window's opening up to the
    session's end (KARGAH_JOIN_OPENS_MINUTES); never for a cancelled session."""
    return join_window(session=session, now=now).is_open


def join_url(*, session: Session) -> str:
    """Our join endpoint: it checks the instructor at click time and sends them in as a
    moderator, with a fresh join URL."""
    return reverse("classroom:join", args=[session.pk])


def device_checks(learner_ids: list[int]) -> dict[int, DeviceCheck]:
    """Each learner's latest device check by id (passed or not), absent if never checked."""
    return device_checks_for_learners(learner_ids)


def device_check_counts(check: DeviceCheck | None) -> bool:
    """Whether a device check passed and is recent enough to count (KARGAH_DEVICE_CHECK_*)."""
    return is_current(check)


def paid_by_place(enrollment_ids: list[int]) -> dict[int, int]:
    """What each place has brought into course revenue, in Rials, read from the ledger."""
    return course_revenue_by_enrollment(enrollment_ids)


def session_cancel_reported(*, actor: User, session: Session, reason: str) -> Session:
    """An instructor's report of a problem: the center's cancellation with its make-up (P3)."""
    return session_cancel(
        actor=actor, session=session, cause=CancelCause.INSTRUCTOR_REPORT, reason=reason
    )
