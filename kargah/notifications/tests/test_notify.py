"""notify(): the person's channels and language, and one message per event however often."""

from __future__ import annotations

import pytest

from kargah.accounts.models import User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.notifications.catalogue import Money
from kargah.notifications.models import InboxItem, NotificationPreference, OutboxMessage
from kargah.notifications.services import notify, notify_number

pytestmark = pytest.mark.django_db


def test_the_defaults_reach_sms_and_the_inbox_once_however_often_the_event_is_told() -> None:
    guardian = GuardianFactory.create()
    for _ in range(3):
        notify(
            user=guardian, kind="otp", context={"code": "123456", "minutes": "۲"}, event_key="e1"
        )
    assert OutboxMessage.objects.filter(user=guardian, channel="sms").count() == 1
    # The sign-in code is an SMS only: the inbox is not among its channels.
    assert InboxItem.objects.count() == 0
    message = OutboxMessage.objects.get()
    assert message.recipient == guardian.mobile
    assert "123456" in message.body and message.quiet_exempt and message.redact_after_send


def test_english_is_used_when_the_person_chose_it() -> None:
    guardian = GuardianFactory.create(language="en")
    notify(user=guardian, kind="otp", context={"code": "1", "minutes": "2"}, event_key="e2")
    assert OutboxMessage.objects.get().body.startswith("Kargah sign-in code: 1")


def test_sms_is_kept_for_always_sms_kinds_even_when_turned_off() -> None:
    guardian = GuardianFactory.create(email="parent@example.com")
    NotificationPreference.objects.create(user=guardian, kind="otp", sms=False, email=True)
    notify(user=guardian, kind="otp", context={"code": "1", "minutes": "2"}, event_key="e3")
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(LookupError):
        notify(user=GuardianFactory.create(), kind="no-such-kind", context={}, event_key="e4")


def _tell_topped_up(guardian: User, key: str = "topped-up:1") -> None:
    notify(
        user=guardian, kind="wallet_topped_up", context={"amount": Money(5_000_000)}, event_key=key
    )


def test_a_kind_turned_to_e_mail_only_sends_no_sms_and_keeps_no_inbox_item() -> None:
    guardian = GuardianFactory.create(email="parent@example.com")
    NotificationPreference.objects.create(
        user=guardian, kind="wallet_topped_up", sms=False, email=True, inbox=False
    )
    _tell_topped_up(guardian)
    email = OutboxMessage.objects.get()
    assert (email.channel, email.recipient) == ("email", "parent@example.com")
    assert email.subject == "دریافت پرداخت" and "۵۰۰٬۰۰۰ تومان" in email.body
    assert not InboxItem.objects.exists()


def test_e_mail_chosen_without_an_address_is_left_out() -> None:
    guardian = GuardianFactory.create(email="")
    NotificationPreference.objects.create(
        user=guardian, kind="wallet_topped_up", sms=False, email=True, inbox=True
    )
    _tell_topped_up(guardian)
    assert not OutboxMessage.objects.exists()
    assert InboxItem.objects.filter(user=guardian).count() == 1


def test_a_kind_turned_off_everywhere_sends_nothing() -> None:
    guardian = GuardianFactory.create()
    NotificationPreference.objects.create(
        user=guardian, kind="wallet_topped_up", sms=False, email=False, inbox=False
    )
    _tell_topped_up(guardian)
    assert not OutboxMessage.objects.exists() and not InboxItem.objects.exists()


def test_a_cancellation_turned_off_still_comes_by_sms() -> None:
    guardian = GuardianFactory.create()
    NotificationPreference.objects.create(
        user=guardian, kind="session_cancelled", sms=False, email=False, inbox=False
    )
    notify(
        user=guardian,
        kind="session_cancelled",
        context={"title": "نقاشی", "when": "امروز", "makeup": ""},
        event_key="session-cancelled:1",
    )
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["sms"]


def test_the_inbox_item_raises_the_header_badge_once_per_event() -> None:
    guardian = GuardianFactory.create()
    _tell_topped_up(guardian)
    _tell_topped_up(guardian)
    _tell_topped_up(guardian, key="topped-up:2")
    guardian.refresh_from_db()
    assert guardian.inbox_unread == 2 == InboxItem.objects.filter(user=guardian).count()


def test_the_same_event_key_for_two_people_tells_both() -> None:
    first, second = GuardianFactory.create(), GuardianFactory.create()
    _tell_topped_up(first)
    _tell_topped_up(second)
    assert OutboxMessage.objects.count() == 2


def test_a_code_to_a_number_without_an_account_is_one_sms() -> None:
    for _ in range(2):
        notify_number(
            mobile="+989121112233",
            kind="otp",
            context={"code": "654321", "minutes": "۵"},
            event_key="otp:9",
        )
    message = OutboxMessage.objects.get()
    assert message.user is None and message.recipient == "+989121112233"
    assert message.body.startswith("کد ورود به کارگاه: 654321")
    assert message.redact_after_send and message.quiet_exempt
