"""What families are told from the class: an absence recorded by a person (once, however
often it is confirmed), and a session cancelled on its own day (even in the quiet hours),
in each guardian's language."""

from __future__ import annotations

import datetime as dt

from kargah.accounts.models import User
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import CancelCause
from kargah.catalog.services_lifecycle import session_cancel
from kargah.notifications.models import InboxItem, OutboxMessage
from kargah.notifications.reminders import REMINDER_KINDS
from kargah.teaching import services
from kargah.teaching.models import AttendanceStatus
from kargah.teaching.tests.conftest import TODAY, World, tehran

# What the class tells, apart from the reminders written when each place was confirmed.
NEWS = OutboxMessage.objects.exclude(kind__in=REMINDER_KINDS)


def _absent(world: World, status: str = AttendanceStatus.ABSENT) -> None:
    services.attendance_mark(
        actor=world.instructor, session=world.session, learner=world.child, status=status
    )


def test_an_absence_is_told_once_however_often_it_is_confirmed(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 5)
    _absent(world)
    _absent(world)  # confirmed again: the service runs whole a second time
    _absent(world, AttendanceStatus.PRESENT)
    _absent(world)  # corrected back: the same absence, not news
    [sms] = OutboxMessage.objects.filter(kind="attendance_absent")
    assert sms.recipient == world.guardian.mobile and sms.user == world.guardian
    # 4 December 2024 is 14 Azar 1403; the session began at 16:00 Tehran time.
    assert "آرمان" in sms.body and "۱۴۰۳/۰۹/۱۴ ۱۶:۰۰" in sms.body
    assert InboxItem.objects.filter(user=world.guardian, kind="attendance_absent").count() == 1
    assert not NEWS.filter(recipient=world.other_guardian.mobile).exists()


def test_present_and_late_are_not_told(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY, 17, 5)
    _absent(world, AttendanceStatus.PRESENT)
    _absent(world, AttendanceStatus.LATE)
    assert not NEWS.exists()


def test_an_english_guardian_reads_it_in_english(world: World, clock: Clock) -> None:
    User.objects.filter(pk=world.guardian.pk).update(language="en")
    world.child.family.guardian.refresh_from_db()
    clock.current = tehran(TODAY, 17, 5)
    _absent(world)
    sms = OutboxMessage.objects.get(kind="attendance_absent")
    assert sms.language == "en"
    assert sms.body.startswith("Kargah: آرمان was marked absent")
    assert "on 1403/09/14 16:00." in sms.body


def test_a_session_cancelled_on_its_day_may_wake_the_families(world: World, clock: Clock) -> None:
    session_cancel(
        actor=None, session=world.session, cause=CancelCause.CLASSROOM_OUTAGE,
        reason="قطعی", now=tehran(TODAY, 10),
    )  # fmt: skip
    told = NEWS.filter(channel="sms")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [str(world.guardian.mobile), str(world.other_guardian.mobile)]
    )
    assert {m.kind for m in told} == {"session_cancelled_today"}
    assert all(m.quiet_exempt for m in told)


def test_a_session_cancelled_a_day_ahead_waits_for_the_morning(world: World, clock: Clock) -> None:
    clock.current = tehran(TODAY - dt.timedelta(days=1), 23)
    session_cancel(
        actor=None, session=world.session, cause=CancelCause.CLASSROOM_OUTAGE,
        reason="قطعی", now=clock.current,
    )  # fmt: skip
    told = NEWS.filter(channel="sms")
    assert told.count() == 2
    assert {m.kind for m in told} == {"session_cancelled"}
    assert not any(m.quiet_exempt for m in told)
