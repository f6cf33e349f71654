"""Each metric on a small hand-built history of month 1403/02, with the answer known."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kargah.catalog.models import CancelCause, Session, SessionStatus
from kargah.catalog.tests.factories import HolidayFactory, OfferingFactory
from kargah.classroom.models import JoinLog, JoinOutcome, JoinRole, Room
from kargah.core.services import audit_record
from kargah.enrollment.models import EnrollmentStatus
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.sla import metrics
from kargah.sla.models import Metric, RegistrationStart, ServiceEvent, ServiceEventKind
from kargah.sla.tests.conftest import History, MakeLevel, clock_at, hold, month_window, tehran
from kargah.wallet.models import LedgerTransaction, RefundRequest, RefundStatus

pytestmark = pytest.mark.django_db


def missed_keys(result: metrics.Result) -> list[str]:
    return [case.key for case in result.missed]


def test_schedule_published_ahead(history: History, make_level: MakeLevel) -> None:
    """Published 10 days ahead meets N=7 and misses N=14; a second class published the day
    before its registration opened misses both; a draft is not counted."""
    late = OfferingFactory.create(
        status="published",
        published_at=tehran(dt.date(2024, 5, 1), 9),
        registration_opens_at=tehran(dt.date(2024, 5, 2), 8),
        with_sessions=False,
    )
    OfferingFactory.create(registration_opens_at=tehran(dt.date(2024, 5, 3), 8))  # a draft
    week = metrics.measure(make_level(Metric.SCHEDULE_PUBLISHED_AHEAD, threshold=7), month_window())
    fortnight = metrics.measure(
        make_level(Metric.SCHEDULE_PUBLISHED_AHEAD, threshold=14), month_window()
    )
    assert (week.figure, missed_keys(week)) == (Decimal("50.00"), [f"offering:{late.pk}"])
    assert fortnight.figure == Decimal("0.00")
    assert week.missed[0].evidence["days_ahead"] == pytest.approx(0.96, abs=0.01)


def test_sessions_held_as_scheduled(history: History, make_level: MakeLevel) -> None:
    """Of three sessions one was held, one cancelled, one held after being moved: 1 of 3;
    the families of the class are the affected ones."""
    first, second, third = history.sessions
    hold(first)
    Session.objects.filter(pk=second.pk).update(
        status=SessionStatus.CANCELLED, cancel_cause=CancelCause.CENTER_DECISION
    )
    hold(third)
    from django.db import transaction

    with transaction.atomic():
        audit_record(actor=None, action="session.rescheduled", obj=third)
    result = metrics.measure(make_level(Metric.SESSIONS_HELD, target=95), month_window())
    assert result.figure == Decimal("33.33")
    assert missed_keys(result) == [f"session:{second.pk}", f"session:{third.pk}"]
    assert {a.family_id for a in result.missed[0].affected} == {f.pk for f in history.families}


def test_sessions_on_a_holiday(history: History, make_level: MakeLevel) -> None:
    """A national holiday on the second session's day makes the figure 1; a cancelled
    session on a closure of the center is not counted; a holiday of another province is no
    holiday here."""
    _first, second, third = history.sessions
    HolidayFactory.create(date=second.starts_at.date())
    HolidayFactory.create(closure=True, center=history.offering.center, date=dt.date(2024, 5, 11))
    Session.objects.filter(pk=third.pk).update(status=SessionStatus.CANCELLED)
    level = make_level(Metric.HOLIDAY_SESSIONS, target=0, comparison="lte")
    result = metrics.measure(level, month_window())
    assert result.figure == Decimal(1)
    assert missed_keys(result) == [f"session:{second.pk}"]
    assert result.missed[0].evidence["holiday"]


def _cancel(session: Session, at: dt.datetime) -> None:
    ServiceEvent.objects.create(
        kind=ServiceEventKind.SESSION_CANCELLED, offering=session.offering, session=session,
        cause=CancelCause.CENTER_DECISION, at=at,
    )  # fmt: skip


def _makeup(cancelled: Session, *, scheduled: dt.datetime, held: dt.datetime | None) -> None:
    makeup = Session.objects.create(
        offering=cancelled.offering, number=99 + cancelled.number, makeup_for=cancelled,
        starts_at=scheduled + dt.timedelta(days=2), ends_at=scheduled + dt.timedelta(days=2, hours=1),
    )  # fmt: skip
    ServiceEvent.objects.create(
        kind=ServiceEventKind.MAKEUP_SCHEDULED, offering=cancelled.offering, session=cancelled,
        at=scheduled,
    )  # fmt: skip
    if held is not None:
        ServiceEvent.objects.create(
            kind=ServiceEventKind.MAKEUP_HELD, offering=cancelled.offering, session=makeup,
            at=held,
        )  # fmt: skip


def test_makeup_scheduled_and_held_in_time(history: History, make_level: MakeLevel) -> None:
    """N=3, M=10. Cancelled on 04-22: scheduled the next day, held 6 days later (met).
    Cancelled on 04-29: scheduled 5 days later (missed). Cancelled on 05-02: held 12 days
    later (missed). Cancelled on 05-15: its 10 days run out in the next month (not here)."""
    a, b, c = history.sessions
    d = Session.objects.create(
        offering=history.offering, number=4, starts_at=tehran(dt.date(2024, 5, 15), 16),
        ends_at=tehran(dt.date(2024, 5, 15), 17),
    )  # fmt: skip
    for session, day in ((a, 12), (b, 19), (c, 22)):
        _cancel(session, tehran(dt.date(2024, 4, day), 10))
    _cancel(d, tehran(dt.date(2024, 5, 15), 10))
    _makeup(a, scheduled=tehran(dt.date(2024, 4, 13), 10), held=tehran(dt.date(2024, 4, 18), 10))
    _makeup(b, scheduled=tehran(dt.date(2024, 4, 24), 10), held=tehran(dt.date(2024, 4, 26), 10))
    _makeup(c, scheduled=tehran(dt.date(2024, 4, 23), 10), held=tehran(dt.date(2024, 5, 4), 10))
    level = make_level(Metric.MAKEUP_TIMELY, threshold=3, threshold_2=10)
    result = metrics.measure(level, month_window())
    assert [case.key for case in result.cases] == [f"cancelled-session:{s.pk}" for s in (a, b, c)]
    assert missed_keys(result) == [f"cancelled-session:{b.pk}", f"cancelled-session:{c.pk}"]
    assert result.figure == Decimal("33.33")


def test_quorum_credit_time(history: History, make_level: MakeLevel) -> None:
    """A class cancelled below quorum at 04-25 08:00: one place credited 2 hours later, the
    other 30 hours later; with N=24 hours, half met, the late family is the affected one."""
    from django.db import transaction

    offering = history.offering
    with transaction.atomic():
        audit_record(actor=None, action="offering.cancelled_quorum", obj=offering)
    on_time, late = history.places
    assert offering.registration_closes_at is not None
    for place, hours in ((on_time, 2), (late, 30)):
        with clock_at(offering.registration_closes_at + dt.timedelta(hours=hours)):
            LedgerTransaction.objects.create(reference=f"enrollment:{place.pk}:quorum",
                                             kind="quorum_credit")  # fmt: skip
    for place in history.places:
        place.status = EnrollmentStatus.CANCELLED
        place.save(update_fields=["status"])
    result = metrics.measure(make_level(Metric.QUORUM_CREDIT_TIME, threshold=24), month_window())
    assert result.figure == Decimal("50.00")
    assert missed_keys(result) == [f"enrollment:{late.pk}"]
    assert result.missed[0].affected[0].family_id == late.family_id
    assert result.missed[0].affected[0].base_rials == 5_000_000


def _refund(history: History, *, approved: dt.datetime, paid: dt.datetime | None) -> RefundRequest:
    from django.db import transaction

    refund = RefundRequest.objects.create(
        family=history.families[0], amount=1_000_000, sheba="IR" + "0" * 24,
        account_holder="سارا", requested_at=approved - dt.timedelta(days=1),
        status=RefundStatus.PAID if paid else RefundStatus.APPROVED, paid_at=paid,
        bank_reference="123" if paid else "",
    )  # fmt: skip
    with clock_at(approved), transaction.atomic():
        audit_record(actor=None, action="refund.approved", obj=refund)
    return refund


def test_refund_working_days(history: History, make_level: MakeLevel) -> None:
    """N=2 working days. Approved Wednesday 04-24, paid Sunday 04-28 with Saturday 04-27 a
    holiday: Thursday and Sunday, 2 days (met). Approved Saturday 05-04, paid Wednesday
    05-08: 4 days (missed). Approved Tuesday 05-07, unpaid: missed."""
    HolidayFactory.create(date=dt.date(2024, 4, 27))
    _refund(
        history, approved=tehran(dt.date(2024, 4, 24), 10), paid=tehran(dt.date(2024, 4, 28), 9)
    )
    slow = _refund(
        history, approved=tehran(dt.date(2024, 5, 4), 10), paid=tehran(dt.date(2024, 5, 8), 9)
    )
    unpaid = _refund(history, approved=tehran(dt.date(2024, 5, 7), 10), paid=None)
    result = metrics.measure(make_level(Metric.REFUND_WORKING_DAYS, threshold=2), month_window())
    assert result.figure == Decimal("33.33")
    assert missed_keys(result) == [f"refund:{slow.pk}", f"refund:{unpaid.pk}"]
    assert result.missed[0].evidence["working_days"] == 4
    assert result.cases[0].evidence["working_days"] == 2


def test_instructor_in_the_room_on_time(history: History, make_level: MakeLevel) -> None:
    """N=5 minutes. In at +2 (met), the room saw the moderator at +12 (missed), the third
    cancelled for the instructor's absence (missed); a session cancelled for an outage is
    not counted."""
    first, second, third = history.sessions
    hold(first, taught_minutes_late=2)
    Room.objects.create(
        session=second, teaching_seen_at=second.starts_at + dt.timedelta(minutes=12)
    )
    Session.objects.filter(pk=second.pk).update(status=SessionStatus.HELD)
    Session.objects.filter(pk=third.pk).update(
        status=SessionStatus.CANCELLED, cancel_cause=CancelCause.INSTRUCTOR_ABSENT
    )
    outage = Session.objects.create(
        offering=history.offering, number=4, starts_at=tehran(dt.date(2024, 5, 18), 16),
        ends_at=tehran(dt.date(2024, 5, 18), 17), status=SessionStatus.CANCELLED,
        cancel_cause=CancelCause.CLASSROOM_OUTAGE,
    )  # fmt: skip
    result = metrics.measure(make_level(Metric.INSTRUCTOR_ON_TIME, threshold=5), month_window())
    assert f"session:{outage.pk}" not in [c.key for c in result.cases]
    assert missed_keys(result) == [f"session:{second.pk}", f"session:{third.pk}"]
    assert result.figure == Decimal("33.33")


def test_join_success_rate(history: History, make_level: MakeLevel) -> None:
    """Three joins and one click the classroom could not serve: 75%; a refused click and one
    outside the window are not counted; the failed learner's family is affected."""
    session = history.sessions[0]
    place = history.places[1]
    guardian = place.family.guardian
    for outcome, learner in (
        (JoinOutcome.JOINED, history.places[0].learner),
        (JoinOutcome.JOINED, place.learner),
        (JoinOutcome.JOINED, place.learner),
        (JoinOutcome.UNAVAILABLE, place.learner),
        (JoinOutcome.REFUSED, place.learner),
        (JoinOutcome.CLOSED, place.learner),
    ):
        JoinLog.objects.create(session=session, user=guardian, learner=learner, outcome=outcome,
                               role=JoinRole.VIEWER, at=session.starts_at)  # fmt: skip
    result = metrics.measure(make_level(Metric.JOIN_SUCCESS, target=99), month_window())
    assert result.figure == Decimal("75.00")
    assert len(result.missed) == 1
    assert result.missed[0].affected[0].family_id == place.family_id


def test_notification_delivery(history: History, make_level: MakeLevel) -> None:
    """N=5 minutes: sent after 1 minute (met), after 20 (missed), never and long past
    (missed), withdrawn (not counted), written a minute before measuring and still pending
    (not counted yet)."""
    guardian = history.families[0].guardian
    written = tehran(dt.date(2024, 5, 5), 10)
    now = tehran(dt.date(2024, 5, 20), 12)
    rows = []
    for sent_after, status in ((1, OutboxStatus.SENT), (20, OutboxStatus.SENT),
                               (None, OutboxStatus.FAILED), (None, OutboxStatus.CANCELLED)):  # fmt: skip
        with clock_at(written):
            rows.append(
                OutboxMessage.objects.create(
                    recipient="09120000000",
                    user=guardian,
                    body="x",
                    kind="test",
                    status=status,
                    sent_at=written + dt.timedelta(minutes=sent_after) if sent_after else None,
                )
            )
    with clock_at(now - dt.timedelta(minutes=1)):
        OutboxMessage.objects.create(recipient="0912", body="x", kind="test")
    level = make_level(Metric.NOTIFICATION_DELIVERY, threshold=5, target=95)
    result = metrics.measure(level, month_window(now=now))
    assert [c.key for c in result.cases] == [f"outbox:{m.pk}" for m in rows[:3]]
    assert missed_keys(result) == [f"outbox:{rows[1].pk}", f"outbox:{rows[2].pk}"]
    assert result.figure == Decimal("33.33")
    assert result.missed[0].affected[0].family_id == history.families[0].pk


def test_registration_time_from_first_click(history: History, make_level: MakeLevel) -> None:
    """N=15 minutes. One family opened the form at 10:00, registered at 10:05 and was
    confirmed at 10:10 (met); the other opened it at 09:00 and was confirmed at 10:10
    (missed, though its registration itself took minutes: the click is what counts)."""
    quick, slow = history.places
    day = dt.date(2024, 4, 20)
    for place, opened in ((quick, tehran(day, 10)), (slow, tehran(day, 9))):
        RegistrationStart.objects.create(
            family=place.family, offering=history.offering, first_opened_at=opened
        )
        type(place).objects.filter(pk=place.pk).update(
            created_at=tehran(day, 10, 5), confirmed_at=tehran(day, 10, 10)
        )
    result = metrics.measure(make_level(Metric.REGISTRATION_TIME, threshold=15), month_window())
    assert result.figure == Decimal("50.00")
    assert missed_keys(result) == [f"enrollment:{slow.pk}"]
    assert result.missed[0].evidence["minutes"] == 70.0


def test_scope_counts_only_its_center(history: History, make_level: MakeLevel) -> None:
    """A level scoped to another center sees none of this class's sessions."""
    other = OfferingFactory.create(status="running", with_sessions=False)
    level = make_level(Metric.SESSIONS_HELD, scope="center", scope_center=other.center)
    assert metrics.measure(level, month_window()).cases == []
    level_here = make_level(
        Metric.SESSIONS_HELD, scope="center", scope_center=history.offering.center
    )
    assert len(metrics.measure(level_here, month_window()).cases) == 3
