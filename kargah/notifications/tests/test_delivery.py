"""Delivery from the outbox: channels, parts and price, quiet hours, dead letter, delivery
reports and the providers' rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kargah.core.models import AuditLogEntry
from kargah.notifications import delivery, ratelimit
from kargah.notifications.models import Channel, OutboxMessage, OutboxStatus
from kargah.notifications.quiet import TEHRAN, quiet_until
from kargah.notifications.services import (
    outbox_check_delivery,
    outbox_flush,
    outbox_send,
    sms_queue,
)
from kargah.notifications.sms import code_in
from kargah.notifications.sms.fake import FakeSmsProvider
from kargah.notifications.sms.parts import sms_parts

pytestmark = pytest.mark.django_db

MOBILE = "+989121234567"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dt.datetime], None]]:
    """Sets `timezone.now()` to a given instant for the services."""
    current = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: current[0])

    def set_to(when: dt.datetime) -> None:
        current[0] = when

    yield set_to


def _tehran(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, second, tzinfo=TEHRAN)


def _sms(body: str = "کلاس فردا ساعت ۱۶ است.", **fields) -> OutboxMessage:
    fields.setdefault("next_attempt_at", timezone.now())
    fields.setdefault("kind", "test")
    return OutboxMessage.objects.create(recipient=MOBILE, body=body, **fields)


# --- parts and price ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("س" * 70, 1),
        ("س" * 71, 2),
        ("س" * 134, 2),
        ("س" * 135, 3),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 159 + "س", 3),  # one Persian letter makes the whole text UCS-2
        ("{" * 80, 1),  # escape-table characters take two places each
        ("{" * 81, 2),
        ("", 1),
    ],
)
def test_parts_by_alphabet_and_length(text, parts):
    assert sms_parts(text) == parts


def test_parts_and_cost_are_written_when_the_provider_takes_it(sms: FakeSmsProvider, settings):
    settings.KARGAH_SMS_PRICE_PER_PART_RIALS = 1200
    short, long_persian, latin = _sms("س" * 70), _sms("س" * 71), _sms("a" * 161)

    outbox_flush()

    for message, parts in ((short, 1), (long_persian, 2), (latin, 2)):
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENT
        assert (message.parts, message.cost_rials) == (parts, parts * 1200)


def test_a_message_the_provider_did_not_take_costs_nothing(sms: FakeSmsProvider):
    sms.down = True
    message = _sms("س" * 200)
    outbox_flush()
    message.refresh_from_db()
    assert (message.status, message.parts, message.cost_rials) == (OutboxStatus.PENDING, 0, 0)


# --- quiet hours --------------------------------------------------------------------------


@pytest.fixture
def quiet_hours(settings) -> None:
    settings.KARGAH_QUIET_HOURS_START = 22
    settings.KARGAH_QUIET_HOURS_END = 8


@pytest.mark.parametrize(
    ("now", "morning"),
    [
        (_tehran(2, 21, 59, 59), None),
        (_tehran(2, 22, 0, 0), _tehran(3, 8)),
        (_tehran(2, 23, 59, 59), _tehran(3, 8)),
        (_tehran(3, 0, 0, 0), _tehran(3, 8)),
        (_tehran(3, 7, 59, 59), _tehran(3, 8)),
        (_tehran(3, 8, 0, 0), None),
    ],
)
def test_quiet_hours_boundaries(quiet_hours, now, morning):
    assert quiet_until(now) == morning
    # The same instants given in UTC.
    assert quiet_until(now.astimezone(dt.UTC)) == morning


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (_tehran(2, 21, 59, 59), True),
        (_tehran(2, 22, 0, 0), False),
        (_tehran(3, 7, 59, 59), False),
        (_tehran(3, 8, 0, 0), True),
    ],
)
def test_an_sms_at_the_quiet_boundaries(quiet_hours, clock, sms: FakeSmsProvider, now, sent):
    clock(now)
    message = _sms()

    assert outbox_flush() == 1
    message.refresh_from_db()
    if sent:
        assert message.status == OutboxStatus.SENT
        assert len(sms.sent) == 1
    else:
        assert message.status == OutboxStatus.PENDING
        assert sms.sent == []
        assert message.attempts == 0  # waiting for the morning is not a failed attempt
        assert message.next_attempt_at == (_tehran(3, 8))


def test_a_held_sms_goes_at_eight_and_the_fast_path_holds_it_too(
    quiet_hours, clock, sms: FakeSmsProvider
):
    clock(_tehran(2, 23, 30))
    message = _sms()
    assert outbox_send(message_id=message.pk) is not None
    assert sms.sent == []

    clock(_tehran(3, 7, 59, 59))
    assert outbox_flush() == 0  # not due before 08:00
    clock(_tehran(3, 8))
    assert outbox_flush() == 1
    assert [s.body for s in sms.sent] == [message.body]


def test_exempt_messages_email_are_not_held(quiet_hours, clock, sms: FakeSmsProvider):
    clock(_tehran(2, 23, 30))
    code = _sms("Kargah sign-in code: 123456", quiet_exempt=True)
    email = OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        recipient="parent@example.com",
        subject="ثبت‌نام تأیید شد",
        body="متن",
        kind="test",
        next_attempt_at=timezone.now(),
    )

    outbox_flush()

    code.refresh_from_db()
    email.refresh_from_db()
    assert code.status == OutboxStatus.SENT
    assert email.status == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_sign_in_codes_from_the_old_entry_point_go_at_night(
    quiet_hours, clock, sms: FakeSmsProvider, django_capture_on_commit_callbacks
):
    clock(_tehran(2, 23, 30))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        code = sms_queue(recipient=MOBILE, body="کد ورود: 123456", kind="otp")
        news = sms_queue(recipient=MOBILE, body="خبر", kind="offering_change")

    code.refresh_from_db()
    news.refresh_from_db()
    assert code.status == OutboxStatus.SENT
    assert news.status == OutboxStatus.PENDING
    assert news.next_attempt_at == _tehran(3, 8)
    assert [s.body for s in sms.sent] == ["کد ورود: 123456"]


# --- channels -----------------------------------------------------------------------------


def test_email_goes_through_djangos_backend_as_plain_text(sms: FakeSmsProvider, settings):
    settings.DEFAULT_FROM_EMAIL = "Kargah <no-reply@kargah.example>"
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        recipient="parent@example.com",
        subject="ثبت‌نام تأیید شد",
        body="ثبت‌نام آرش در کلاس رباتیک تأیید شد.",
        kind="enrollment_confirmed",
    )

    outbox_send(message_id=message.pk)

    [email] = mail.outbox
    assert email.to == ["parent@example.com"]
    assert email.from_email == "Kargah <no-reply@kargah.example>"
    assert email.subject == "ثبت‌نام تأیید شد"
    assert email.body == "ثبت‌نام آرش در کلاس رباتیک تأیید شد."
    assert email.content_subtype == "plain"
    assert sms.sent == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.provider_reference == email.extra_headers["Message-ID"]
    assert (message.parts, message.cost_rials) == (0, 0)


@pytest.mark.parametrize(
    ("language", "subject"), [("fa", "پیامی از کارگاه"), ("en", "A message from Kargah")]
)
def test_an_email_without_a_subject_gets_one_in_its_language(language, subject):
    OutboxMessage.objects.create(
        channel=Channel.EMAIL, recipient="p@example.com", body="x", kind="t", language=language
    )
    outbox_flush()
    assert mail.outbox[0].subject == subject


def test_a_mail_server_that_is_down_is_retried(monkeypatch: pytest.MonkeyPatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refused(self, messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refused)
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL, recipient="p@example.com", body="x", kind="t"
    )
    outbox_flush()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error


def test_sign_in_codes_use_the_template_service(sms: FakeSmsProvider):
    code = _sms("Kargah sign-in code: 042137\nValid for ۵ minutes.", kind="otp")
    plain = _sms("Class at 16:00, room 12345", kind="reminder")

    outbox_flush()

    by_body = {s.body: s for s in sms.sent}
    assert by_body[code.body].code == "042137"
    assert by_body[plain.body].code == ""  # only sign-in codes go through the template


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("کد ورود کارگاه: 042137\nاعتبار ۵ دقیقه", "042137"),
        ("کد ورود کارگاه: ۰۴۲۱۳۷\nاعتبار ۵ دقیقه", "042137"),
        ("اعتبار ۵ دقیقه", None),
    ],
)
def test_the_code_is_found_in_its_text(body, code):
    assert code_in(body) == code


def test_a_message_with_no_recipient_goes_to_dead_letter_at_once(sms: FakeSmsProvider):
    message = OutboxMessage.objects.create(recipient="", body="x", kind="t")
    outbox_flush()
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "no recipient" in message.last_error
    assert sms.sent == []


# --- dead letter --------------------------------------------------------------------------


def test_dead_letter_after_the_last_attempt_keeps_the_reason(sms: FakeSmsProvider, settings):
    settings.KARGAH_OUTBOX_MAX_ATTEMPTS = 3
    sms.down = True
    message = _sms()
    for attempt in (1, 2):
        assert outbox_flush() == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, attempt)
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert not AuditLogEntry.objects.filter(action="outbox.dead_letter").exists()

    assert outbox_flush() == 1

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3
    assert message.last_error == "fake provider is down"
    audit = AuditLogEntry.objects.get(action="outbox.dead_letter")
    assert audit.object_id == str(message.pk)
    assert audit.reason == "fake provider is down"
    sms.down = False
    assert outbox_flush() == 0
    assert sms.sent == []


def test_a_number_the_provider_refuses_for_good_is_not_retried(sms: FakeSmsProvider):
    sms.refused.add(MOBILE)
    message = _sms("کد ورود: 123456", redact_after_send=True)
    other = OutboxMessage.objects.create(recipient="+989350000000", body="x", kind="t")

    outbox_flush()

    message.refresh_from_db()
    other.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert "refuses" in message.last_error
    assert message.body == "[redacted]"  # a code that will never be sent is not kept
    assert other.status == OutboxStatus.SENT  # one refusal does not hold the others up


# --- delivery reports ---------------------------------------------------------------------


def test_the_provider_reports_delivery_after_a_minute(sms: FakeSmsProvider, clock):
    start = timezone.now()
    clock(start)
    delivered, lost = (
        _sms(),
        OutboxMessage.objects.create(
            recipient="+989350000000", body="x", kind="t", next_attempt_at=start
        ),
    )
    sms.unreachable.add("+989350000000")
    outbox_flush()

    assert outbox_check_delivery() == 0  # not asked about before a minute has passed
    clock(start + dt.timedelta(seconds=61))
    assert outbox_check_delivery() == 2

    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.status == OutboxStatus.DELIVERED
    assert delivered.delivered_at == start + dt.timedelta(seconds=61)
    assert delivered.delivery_status == "delivered"
    assert lost.status == OutboxStatus.FAILED
    assert lost.last_error == "not delivered: undelivered"
    assert AuditLogEntry.objects.filter(action="outbox.dead_letter").count() == 1
    # Final answers are not asked about again, and nothing is sent twice.
    clock(start + dt.timedelta(hours=3))
    assert outbox_check_delivery() == 0
    assert len(sms.sent) == 2


def test_a_pending_report_is_asked_again_later(sms: FakeSmsProvider, clock):
    start = timezone.now()
    clock(start)
    sms.reports_pending_for = 1
    message = _sms()
    outbox_flush()

    clock(start + dt.timedelta(minutes=2))
    assert outbox_check_delivery() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.delivery_status == "sent to operator"
    assert outbox_check_delivery() == 0  # asked again only after its wait

    clock(message.next_attempt_at)
    assert outbox_check_delivery() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


def test_old_sent_messages_are_no_longer_asked_about(sms: FakeSmsProvider, clock, settings):
    start = timezone.now()
    clock(start)
    settings.KARGAH_SMS_DELIVERY_CHECK_HOURS = 48
    sms.reports_pending_for = 100  # the operator never answers
    message = _sms()
    outbox_flush()
    clock(start + dt.timedelta(hours=47, minutes=59))
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_check_delivery() == 1
    clock(start + dt.timedelta(hours=48, minutes=1))
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_check_delivery() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT  # sent, its delivery never known


def test_a_provider_down_for_reports_leaves_messages_sent(sms: FakeSmsProvider, clock):
    start = timezone.now()
    clock(start)
    message = _sms()
    outbox_flush()
    sms.down = True
    clock(start + dt.timedelta(minutes=2))
    assert outbox_check_delivery() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.next_attempt_at > start + dt.timedelta(minutes=2)


# --- rate limit ---------------------------------------------------------------------------


@pytest.fixture
def limited(settings) -> Iterator[None]:
    settings.KARGAH_SMS_RATE_PER_SECOND = 3
    settings.REDIS_URL = ""
    ratelimit.reset()
    yield
    ratelimit.reset()


def test_rate_limit_window_grants_what_fits_in_the_second(limited):
    assert ratelimit.take("fake", 2, now=100.2) == 2
    assert ratelimit.take("fake", 2, now=100.7) == 1
    assert ratelimit.take("fake", 1, now=100.9) == 0
    assert ratelimit.take("other", 3, now=100.9) == 3  # per provider
    assert ratelimit.take("fake", 5, now=101.0) == 3


def test_the_flush_keeps_to_the_rate_limit(limited, sms: FakeSmsProvider, monkeypatch):
    seconds = iter(range(1000, 2000))
    now = [float(next(seconds))]
    sent_in: list[int] = []
    real_send = sms.send

    def timed_send(**kwargs):
        sent_in.append(int(now[0]))
        return real_send(**kwargs)

    monkeypatch.setattr(sms, "send", timed_send)
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    monkeypatch.setattr(
        ratelimit, "wait_for_next_second", lambda: now.__setitem__(0, float(next(seconds)))
    )
    for i in range(8):
        _sms(f"پیام {i}")

    assert outbox_flush() == 8

    assert len(sms.sent) == 8
    assert sent_in == [1000] * 3 + [1001] * 3 + [1002] * 2


@pytest.mark.redis
def test_rate_limit_is_shared_through_redis(settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.KARGAH_SMS_RATE_PER_SECOND = 5
    ratelimit.reset()
    second = 10_000_000 + int(timezone.now().timestamp() * 1000) % 1_000_000  # a fresh window
    # Two workers (a local window each) share the one counter in Redis.
    assert ratelimit.take("fake", 3, now=second) == 3
    ratelimit._local._windows.clear()
    assert ratelimit.take("fake", 3, now=second) == 2
    assert ratelimit.take("fake", 3, now=second + 1) == 3


def test_rate_limit_falls_back_per_process_when_redis_is_down(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/5"  # nothing listens there
    settings.KARGAH_SMS_RATE_PER_SECOND = 2
    ratelimit.reset()
    try:
        assert ratelimit.take("fake", 3, now=500.0) == 2
        assert ratelimit.take("fake", 1, now=500.5) == 0
        assert ratelimit.take("fake", 1, now=501.0) == 1
        assert "Redis unavailable" in caplog.text
    finally:
        ratelimit.reset()


def test_the_fast_path_waits_for_the_next_second_then_leaves_it_to_the_flush(
    limited, sms: FakeSmsProvider, monkeypatch
):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 42.0)
    waited: list[bool] = []
    monkeypatch.setattr(ratelimit, "wait_for_next_second", lambda: waited.append(True))
    messages = [_sms(f"پیام {i}") for i in range(4)]
    for message in messages:
        outbox_send(message_id=message.pk)

    assert len(sms.sent) == 3
    assert waited == [True]
    left = OutboxMessage.objects.get(status=OutboxStatus.PENDING)
    assert left.attempts == 0  # the rate limit is not a failed attempt
    assert delivery.max_attempts() == 12
