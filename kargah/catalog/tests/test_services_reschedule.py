"""Rescheduling one session of a published offering: a recorded schedule change that tells
every enrolled family (DOMAIN rule 1, P1) and never lands on a holiday (P4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kargah.accounts.tests.factories import LearnerFactory, StaffFactory
from kargah.catalog import services
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import EnrollmentFactory, HolidayFactory, InstructorFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN
from kargah.enrollment.models import EnrollmentStatus
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # Saturday 1403/02/15
REASON = "بیماری مربی"


@pytest.fixture
def offering(make_offering, staff) -> Offering:
    """Published: four Saturdays at 16:00 from 1403/02/15, titled «نقاشی با آبرنگ»."""
    draft = make_offering(first_date=FIRST, count=4, title="نقاشی با آبرنگ")
    return services.offering_publish(actor=staff, offering=draft)


@pytest.fixture
def families(offering):
    """Two families with a confirmed learner each, and a third whose learner dropped."""
    first = EnrollmentFactory.create(offering=offering)
    second = EnrollmentFactory.create(offering=offering)
    EnrollmentFactory.create(offering=offering, status=EnrollmentStatus.DROPPED)
    return [first.learner.family.guardian, second.learner.family.guardian]


def counts():
    return {
        "audit": AuditLogEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "sessions": list(Session.objects.order_by("pk").values_list("starts_at", "number")),
    }


def instants(record):
    """An audit before/after of ISO times, read back as instants."""
    return {key: dt.datetime.fromisoformat(value) for key, value in (record or {}).items()}


def test_a_reschedule_moves_the_session_records_it_and_tells_each_family(offering, families, staff):
    """DOMAIN rule 1 (P1): the session moves, the audit log keeps the old and new time with
    the reason, and each enrolled family (not the one that dropped) gets one SMS in
    Persian with Jalali dates and Persian digits."""
    session = offering.sessions.get(number=2)  # Saturday 1403/02/22 16:00
    new_start = tehran(dt.date(2024, 5, 13), 17, 30)  # Monday 1403/02/24

    moved = services.session_reschedule(
        actor=staff, session=session, starts_at=new_start, reason=f"  {REASON} "
    )

    session.refresh_from_db()
    assert moved.pk == session.pk
    assert session.starts_at == new_start
    assert session.ends_at == new_start + dt.timedelta(minutes=60)
    assert session.number == 2  # still the second in time

    entry = AuditLogEntry.objects.get(action="session.rescheduled")
    assert entry.actor == staff
    assert entry.object_id == str(session.pk)
    assert entry.reason == REASON
    assert instants(entry.before) == {
        "starts_at": tehran(dt.date(2024, 5, 11), 16),
        "ends_at": tehran(dt.date(2024, 5, 11), 17),
    }
    assert instants(entry.after) == {
        "starts_at": new_start,
        "ends_at": new_start + dt.timedelta(minutes=60),
    }

    messages = list(OutboxMessage.objects.filter(kind="schedule_change"))
    assert len(messages) == 2
    assert sorted(m.recipient for m in messages) == sorted(g.mobile for g in families)
    body = messages[0].body
    assert messages[1].body == body
    assert "نقاشی با آبرنگ" in body
    assert "۱۴۰۳/۰۲/۲۲ ۱۶:۰۰" in body  # the old time, Jalali, Persian digits
    assert "۱۴۰۳/۰۲/۲۴ ۱۷:۳۰" in body  # the new time
    assert "دوشنبه" in body  # the new weekday
    assert REASON in body
    assert not re.search("[0-9]", body), body  # no Latin digits


def test_one_message_per_family_with_two_learners(offering, staff):
    sibling = EnrollmentFactory.create(offering=offering)
    EnrollmentFactory.create(
        offering=offering, learner=LearnerFactory.create(family=sibling.learner.family)
    )
    services.session_reschedule(
        actor=staff,
        session=offering.sessions.get(number=4),
        starts_at=tehran(dt.date(2024, 6, 1), 16),
        reason=REASON,
    )
    assert OutboxMessage.objects.filter(kind="schedule_change").count() == 1


def test_moving_a_session_renumbers_by_time(offering, staff):
    first = offering.sessions.get(number=1)
    services.session_reschedule(
        actor=staff, session=first, starts_at=tehran(dt.date(2024, 6, 1), 16), reason=REASON
    )
    sessions = list(offering.sessions.order_by("starts_at"))
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert sessions[-1].pk == first.pk


def test_moving_onto_a_holiday_is_refused_and_changes_nothing(offering, families, staff):
    """P4: no session may be moved onto an official holiday (here Eid al-Adha 1403)."""
    HolidayFactory.create(date=dt.date(2024, 6, 17), name="عید سعید قربان")
    before = counts()
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 6, 17), 16),
            reason=REASON,
        )
    assert caught.value.code == "holiday"
    assert "عید سعید قربان" in caught.value.message
    assert "۱۴۰۳/۰۳/۲۸" in caught.value.message
    assert counts() == before


def test_moving_onto_the_centers_closure_is_refused(offering, families, staff, center):
    HolidayFactory.create(date=dt.date(2024, 5, 13), source="center", center=center)
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    assert caught.value.code == "holiday"


def test_the_holiday_is_the_tehran_day_not_the_utc_day(offering, families, staff):
    """01:00 Tehran on a holiday is still the previous day in UTC; it is refused."""
    HolidayFactory.create(date=dt.date(2024, 5, 13))
    late = dt.datetime(2024, 5, 12, 21, 45, tzinfo=dt.UTC)  # 01:15 Tehran, 13 May
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff, session=offering.sessions.get(number=2), starts_at=late, reason=REASON
        )
    assert caught.value.code == "holiday"


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_reschedule_needs_a_reason(offering, families, staff, reason):
    before = counts()
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=reason,
        )
    assert caught.value.code == "reason"
    assert counts() == before


def test_an_instructor_clash_is_refused(offering, families, staff, make_offering):
    teacher = offering.instructors.get()
    make_offering(
        first_date=dt.date(2024, 5, 13),
        title="قصه‌گویی خلاق",
        instructors=[teacher],
        pattern=[{"weekday": 2, "start": "17:00"}],
        count=2,
    )
    before = counts()
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 5, 13), 17, 30),
            reason=REASON,
        )
    assert caught.value.code == "instructor_clash"
    assert "قصه‌گویی خلاق" in caught.value.message
    assert "نقاشی با آبرنگ" in caught.value.message
    assert counts() == before


def test_moving_within_its_own_time_is_no_clash(offering, staff):
    session = offering.sessions.get(number=2)
    services.session_reschedule(
        actor=staff,
        session=session,
        starts_at=session.starts_at + dt.timedelta(minutes=30),
        reason=REASON,
    )
    session.refresh_from_db()
    assert session.starts_at == tehran(dt.date(2024, 5, 11), 16, 30)


def test_a_session_cannot_be_moved_onto_another_session_of_its_offering(offering, staff):
    with pytest.raises(DomainError):
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=tehran(FIRST, 16, 30),  # overlaps session 1 (16:00-17:00)
            reason=REASON,
        )


def test_a_draft_is_not_rescheduled(make_offering, staff):
    draft = make_offering(first_date=FIRST, count=2)
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=draft.sessions.get(number=1),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    assert caught.value.code == "status"


@pytest.mark.parametrize("status", [OfferingStatus.CANCELLED, OfferingStatus.FINISHED])
def test_a_closed_offering_is_not_rescheduled(offering, staff, status):
    Offering.objects.filter(pk=offering.pk).update(status=status)
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=1),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    assert caught.value.code == "status"


@pytest.mark.parametrize("status", [SessionStatus.HELD, SessionStatus.CANCELLED])
def test_only_a_scheduled_session_moves(offering, staff, status):
    offering.sessions.filter(number=1).update(status=status)
    with pytest.raises(DomainError) as caught:
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=1),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    assert caught.value.code == "status"


def test_staff_of_another_center_may_not_reschedule(offering, families):
    before = counts()
    with pytest.raises(NotAllowed):
        services.session_reschedule(
            actor=StaffFactory.create(),
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    with pytest.raises(NotAllowed):
        services.session_reschedule(
            actor=InstructorFactory.create(center=offering.center),
            session=offering.sessions.get(number=2),
            starts_at=tehran(dt.date(2024, 5, 13), 16),
            reason=REASON,
        )
    assert counts() == before


def test_a_naive_time_is_a_programming_error(offering, staff):
    with pytest.raises(ValueError):
        services.session_reschedule(
            actor=staff,
            session=offering.sessions.get(number=2),
            starts_at=dt.datetime(2024, 5, 13, 16, 0),
            reason=REASON,
        )


def test_the_new_time_is_read_in_tehran(offering, staff):
    utc_start = dt.datetime(2024, 7, 8, 12, 30, tzinfo=dt.UTC)
    session = services.session_reschedule(
        actor=staff, session=offering.sessions.get(number=4), starts_at=utc_start, reason=REASON
    )
    assert session.starts_at.astimezone(TEHRAN) == tehran(dt.date(2024, 7, 8), 16)
