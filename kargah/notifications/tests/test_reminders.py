"""Reminders 24 h and 1 h before each session: written once on confirmation, moved with a reschedule, withdrawn with a cancellation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.catalog import services
from kargah.catalog import services_lifecycle as lifecycle
from kargah.catalog.models import CancelCause, Offering, Session
from kargah.catalog.tests.conftest import (  # noqa: F401 (fixtures)
    center,
    clock,
    make_offering,
    staff,
    tehran,
)
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.devicecheck.models import DeviceCheck
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.notifications.models import InboxItem, OutboxMessage, OutboxStatus
from kargah.notifications.reminders import reminders_for_enrollments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.KARGAH_SITE_URL = "https://kargah.example.ir"


FIRST = dt.date(2024, 5, 4)  # Saturday 1403/02/15
NOW = tehran(dt.date(2024, 4, 20), 10)
REMINDERS = ("reminder_24h", "reminder_1h")


@pytest.fixture
def offering(make_offering, staff, clock) -> Offering:  # noqa: F811
    """Published, three Saturdays at 16:00 from 1403/02/15; the clock two weeks before."""
    clock.current = NOW
    draft = make_offering(first_date=FIRST, count=3, title="نقاشی با آبرنگ")
    return services.offering_publish(actor=staff, offering=draft)


def _place(offering: Offering, **guardian: object) -> Enrollment:
    learner = LearnerFactory.create(
        first_name="سارا", family__guardian=GuardianFactory.create(**guardian)
    )
    return EnrollmentFactory.create(offering=offering, learner=learner)


SMS = OutboxMessage.objects.filter(channel="sms")
# The inbox copy waits in the outbox too, and becomes an inbox item when due.
INBOX = OutboxMessage.objects.filter(channel="inbox")


def pending(session: Session) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(
            session=session, kind__in=REMINDERS, status=OutboxStatus.PENDING, channel="sms"
        ).order_by("next_attempt_at")
    )


def test_a_confirmed_place_gets_two_reminders_per_session_once_however_often_told(offering):
    place = _place(offering)
    sessions = list(offering.sessions.order_by("starts_at"))
    assert SMS.filter(kind__in=REMINDERS).count() == 2 * len(sessions)
    assert INBOX.filter(kind__in=REMINDERS).count() == 2 * len(sessions)
    # Saved again, confirmed again by hand: nothing new.
    place.save()
    reminders_for_enrollments([place.pk])
    reminders_for_enrollments([place.pk])
    assert SMS.filter(kind__in=REMINDERS).count() == 2 * len(sessions)
    assert INBOX.filter(kind__in=REMINDERS).count() == 2 * len(sessions)
    first = sessions[0]
    assert [m.next_attempt_at for m in pending(first)] == [
        first.starts_at - dt.timedelta(hours=24),
        first.starts_at - dt.timedelta(hours=1),
    ]
    assert {m.recipient for m in pending(first)} == {place.family.guardian.mobile}


def test_a_place_awaiting_payment_gets_none_until_it_is_confirmed(offering):
    place = EnrollmentFactory.create(offering=offering, status=EnrollmentStatus.AWAITING_PAYMENT)
    assert not OutboxMessage.objects.filter(kind__in=REMINDERS).exists()
    place.status = EnrollmentStatus.CONFIRMED
    place.save()
    assert SMS.filter(kind__in=REMINDERS).count() == 6


def test_the_persian_reminder_has_the_jalali_date_tehran_time_the_link_and_the_check(offering):
    place = _place(offering)
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    day_before, hour_before = pending(first)
    body = day_before.body
    assert "سارا" in body and "نقاشی با آبرنگ" in body
    assert "شنبه ۱۵ اردیبهشت ۱۴۰۳" in body and "۱۶:۰۰" in body
    assert f"https://kargah.example.ir/class/session/{first.pk}/join/" in body
    assert "https://kargah.example.ir/device-check/" in body
    assert "بررسی دستگاه" in body
    without_links = re.sub(r"https://\S+", "", body)
    assert not re.search("[0-9A-Za-z]", without_links), body  # Persian digits, no English
    assert "یک ساعت دیگر" in hour_before.body and "۱۶:۰۰" in hour_before.body
    inbox = INBOX.get(dedupe_key=day_before.dedupe_key.replace(":sms", ":inbox"))
    assert inbox.body == body and inbox.next_attempt_at == day_before.next_attempt_at
    assert inbox.link.endswith(f"/class/session/{first.pk}/join/")
    # A learner who passed the device check is not nudged.
    DeviceCheck.objects.create(learner=place.learner, passed=True, checked_at=NOW)
    second = _place(offering)
    DeviceCheck.objects.create(learner=second.learner, passed=True, checked_at=NOW)
    OutboxMessage.objects.all().delete()
    reminders_for_enrollments([second.pk])
    assert "device-check" not in pending(first)[0].body


def test_the_english_reminder(offering):
    _place(offering, language="en")
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    day_before, hour_before = pending(first)
    assert "سارا's class «نقاشی با آبرنگ» is on Saturday 15 Ordibehesht 1403 at 16:00 " in (
        day_before.body
    )
    assert day_before.subject == "Class tomorrow"
    assert "starts in one hour, at 16:00 Tehran time" in hour_before.body
    assert "device check has not been passed" in hour_before.body


def test_a_rescheduled_sessions_reminders_move_with_new_time_and_text(offering, staff):  # noqa: F811
    _place(offering)
    session = offering.sessions.order_by("starts_at")[1]  # Saturday 1403/02/22 16:00
    before = pending(session)
    new_start = tehran(dt.date(2024, 5, 13), 17, 30)  # Monday 1403/02/24

    services.session_reschedule(actor=staff, session=session, starts_at=new_start, reason="x")

    after = pending(session)
    assert [m.pk for m in after] == [m.pk for m in before]  # the same rows, moved
    assert [m.next_attempt_at for m in after] == [
        new_start - dt.timedelta(hours=24),
        new_start - dt.timedelta(hours=1),
    ]
    assert all("دوشنبه ۲۴ اردیبهشت ۱۴۰۳" in m.body for m in after[:1])
    assert all("۱۷:۳۰" in m.body and "۱۶:۰۰" not in m.body for m in after)
    assert not OutboxMessage.objects.filter(session=session, status=OutboxStatus.CANCELLED)
    inbox = INBOX.filter(session=session, status=OutboxStatus.PENDING)
    assert sorted(i.next_attempt_at for i in inbox) == [m.next_attempt_at for m in after]

    # Moved back to where it was: the reminders follow, nothing collides.
    services.session_reschedule(
        actor=staff, session=session, starts_at=tehran(dt.date(2024, 5, 11), 16), reason="x"
    )
    assert [m.next_attempt_at for m in pending(session)] == [m.next_attempt_at for m in before]


def test_a_reschedule_after_the_day_before_reminder_went_writes_one_for_the_new_day(
    offering,
    staff,  # noqa: F811
    clock,  # noqa: F811
):
    _place(offering)
    session = offering.sessions.order_by("starts_at")[0]
    day_before = pending(session)[0]
    day_before.status = OutboxStatus.SENT  # as the sender leaves it
    day_before.save()
    clock.current = session.starts_at - dt.timedelta(hours=20)
    new_start = tehran(dt.date(2024, 5, 8), 16)
    services.session_reschedule(actor=staff, session=session, starts_at=new_start, reason="x")
    assert [m.next_attempt_at for m in pending(session)] == [
        new_start - dt.timedelta(hours=24),
        new_start - dt.timedelta(hours=1),
    ]


def test_a_cancelled_sessions_reminders_are_withdrawn(offering, staff):  # noqa: F811
    _place(offering)
    session = offering.sessions.order_by("starts_at")[1]
    assert len(pending(session)) == 2
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="x", now=NOW
    )
    assert pending(session) == []
    withdrawn = SMS.filter(session=session, status=OutboxStatus.CANCELLED)
    assert withdrawn.count() == 2
    assert not INBOX.filter(session=session, status=OutboxStatus.PENDING).exists()
    # The other sessions keep theirs.
    assert len(pending(offering.sessions.order_by("starts_at")[2])) == 2


def test_a_makeup_gets_reminders_for_the_confirmed_places(offering, staff):  # noqa: F811
    _place(offering)
    session = offering.sessions.order_by("starts_at")[1]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="x", now=NOW
    )
    makeup = lifecycle.makeup_confirm(
        actor=staff, session=session, starts_at=tehran(dt.date(2024, 5, 15), 16), now=NOW
    )
    assert [m.next_attempt_at for m in pending(makeup)] == [
        makeup.starts_at - dt.timedelta(hours=24),
        makeup.starts_at - dt.timedelta(hours=1),
    ]


def test_a_dropped_place_loses_its_pending_reminders_and_the_others_keep_theirs(offering):
    leaving, staying = _place(offering), _place(offering)
    leaving.status = EnrollmentStatus.DROPPED
    leaving.save()
    reminders = SMS.filter(kind__in=REMINDERS)
    assert set(
        reminders.filter(status=OutboxStatus.PENDING).values_list("recipient", flat=True)
    ) == {staying.family.guardian.mobile}
    assert reminders.filter(status=OutboxStatus.CANCELLED).count() == 6
    leaving_inbox = INBOX.filter(user=leaving.family.guardian)
    assert leaving_inbox.count() == 6 and not leaving_inbox.filter(status=OutboxStatus.PENDING)


def test_an_early_class_has_no_sms_an_hour_before_and_the_day_before_says_so(
    make_offering,  # noqa: F811
    staff,  # noqa: F811
    clock,  # noqa: F811
):
    clock.current = NOW
    draft = make_offering(first_date=FIRST, count=1, pattern=[{"weekday": 0, "start": "07:30"}])
    early = services.offering_publish(actor=staff, offering=draft)
    _place(early)
    session = early.sessions.get()
    (day_before,) = pending(session)
    assert day_before.kind == "reminder_24h"
    # 07:30 the day before is in the quiet hours too: it waits for 08:00.
    assert day_before.next_attempt_at == tehran(dt.date(2024, 5, 3), 8)
    assert "۲۲:۰۰" in day_before.body and "یک ساعت" in day_before.body
    assert INBOX.filter(kind="reminder_1h").count() == 1


def test_the_command_writes_the_reminders_of_places_written_in_bulk_once(offering):
    """The demo writes its places in bulk (no post_save): the command catches them up."""
    from django.core.management import call_command

    learner = LearnerFactory.create()
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                learner=learner,
                family=learner.family,
                offering=offering,
                status=EnrollmentStatus.CONFIRMED,
                conditions=offering.course.conditions.first(),
                conditions_accepted_at=NOW,
            )
        ]
    )
    assert not OutboxMessage.objects.filter(kind__in=REMINDERS).exists()
    call_command("reminders_schedule")
    call_command("reminders_schedule")
    assert SMS.filter(kind__in=REMINDERS).count() == 6


def test_dropping_through_the_service_withdraws_the_places_reminders(offering):
    """The enrollment services carry no call: the post_save receiver follows the status."""
    from kargah.enrollment.services_drop import enrollment_drop

    place = _place(offering)
    enrollment_drop(guardian=place.family.guardian, enrollment=place)
    place.refresh_from_db()
    assert place.status == EnrollmentStatus.DROPPED
    reminders = OutboxMessage.objects.filter(kind__in=REMINDERS)
    assert reminders.count() == 12  # SMS and inbox, three sessions, two each
    assert not reminders.filter(status=OutboxStatus.PENDING).exists()


def test_an_inbox_reminder_reaches_the_inbox_and_its_badge_when_due_and_only_once(
    offering,
    clock,  # noqa: F811
):
    from kargah.notifications.delivery import flush

    place = _place(offering)
    guardian = place.family.guardian
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    flush()
    assert not InboxItem.objects.filter(kind__in=REMINDERS).exists()  # not yet due
    clock.current = first.starts_at - dt.timedelta(hours=24)
    flush()
    flush()
    (item,) = InboxItem.objects.filter(user=guardian, kind__in=REMINDERS)
    assert item.kind == "reminder_24h" and item.link.endswith(f"/class/session/{first.pk}/join/")
    guardian.refresh_from_db()
    assert guardian.inbox_unread == 1
    # A worker that died before writing back sends the same message again: still one item.
    again = INBOX.get(dedupe_key=item.dedupe_key)
    again.status = OutboxStatus.PENDING
    again.save()
    flush()
    assert InboxItem.objects.filter(user=guardian, kind__in=REMINDERS).count() == 1
    guardian.refresh_from_db()
    assert guardian.inbox_unread == 1
