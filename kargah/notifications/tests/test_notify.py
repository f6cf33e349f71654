"""notify(): the person's channels and language, and one message per event however often."""

from __future__ import annotations

import pytest

from kargah.accounts.tests.factories import GuardianFactory
from kargah.notifications.models import InboxItem, NotificationPreference, OutboxMessage
from kargah.notifications.services import notify

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
