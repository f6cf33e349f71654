"""The catalogue: every kind renders in Persian (Jalali date, Tehran time, Persian digits, no
English word) and in English, and the sending rules the issue sets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils.functional import lazy

from kargah.core.persian import format_jalali_date, format_tehran_time, format_weekday
from kargah.notifications.catalogue import (
    CATALOGUE,
    CENTER_CANCEL_CREDIT,
    DROP_CREDIT,
    FIRST_SESSION,
    MAKEUP_ON,
    MAKEUP_OWED,
    PAID_FROM_WALLET,
    QUORUM_CREDIT,
    SIMILAR_CLASSES,
    Day,
    Fragment,
    Joined,
    Money,
    Number,
    When,
    render,
)

# 13:30 UTC on 22 September 2024 is 17:00 in Tehran (UTC+03:30), Sunday 1 Mehr 1403.
AT = dt.datetime(2024, 9, 22, 13, 30, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 9, 24, 14, 0, tzinfo=dt.UTC)  # Tuesday 3 Mehr 1403, 17:30
URL = "https://kargah.example/c/7/"
FA_WHEN = "۱۴۰۳/۰۷/۰۱ ۱۷:۰۰"
EN_WHEN = "1403/07/01 17:00"
FA_MONEY = "۵۰۰٬۰۰۰ تومان"
EN_MONEY = "500,000 Toman"

_lazy = lazy(lambda function, value: function(value), str)


def _when(function: Any) -> Any:
    return _lazy(function, AT)


_BASE: dict[str, Any] = {"title": "نقاشی", "name": "آرش", "link": URL}
# One context per kind, with a moment or an amount wherever the kind has one.
EXAMPLES: dict[str, dict[str, Any]] = {
    "otp": {"code": "123456", "minutes": Number(5)},
    "certificate_issued": {"child": "آرش", "course": "نقاشی"},
    "sla_compensation": {"level": "جلسه‌ها به موقع", "period": Day(AT), "amount": Money(500_000)},
    # As kargah.notifications.reminders gives them: formatted when rendered.
    "reminder_24h": {
        "learner": "آرش", "course": "نقاشی", "weekday": _when(format_weekday),
        "date": _when(lambda at: format_jalali_date(at, long=True)),
        "time": _when(format_tehran_time), "join_url": URL, "device_check": "", "quiet_note": "",
    },
    "reminder_1h": {
        "learner": "آرش", "course": "نقاشی", "time": _when(format_tehran_time), "join_url": URL,
        "device_check": "",
    },
    "learner_link_requested": {"mobile": Number("0912***4567"), "name": "آرش", "url": URL},
    "learner_link_approved": {"name": "آرش", "url": URL},
    "learner_link_ended": {"name": "آرش"},
    "seat_held": {**_BASE, "until": When(AT)},
    "hold_expired": {**_BASE, "until": When(AT)},
    "payment_received": _BASE,
    "enrollment_confirmed": {**_BASE, "how": PAID_FROM_WALLET},
    "enrollment_paid": _BASE,
    "payment_kept_released": {**_BASE, "amount": Money(5_000_000)},
    "payment_kept_already_paid": {**_BASE, "amount": Money(5_000_000)},
    "payment_kept_short": {**_BASE, "amount": Money(5_000_000)},
    "wallet_topped_up": {"amount": Money(5_000_000)},
    "waiting_list_offer": {**_BASE, "until": When(AT)},
    "hold_given_up": _BASE,
    "enrollment_dropped": {**_BASE, "credit": Fragment(DROP_CREDIT, amount=Money(5_000_000))},
    "enrollment_switched": {"name": "آرش", "old": "نقاشی", "new": "سفال"},
    "schedule_change": {**_BASE, "old": When(AT), "new": When(LATER, weekday=True), "reason": "بیماری"},
    "offering_change": {**_BASE, "changes": Joined([lambda: "ظرفیت بیشتر شد."]), "reason": "تقاضا"},
    "session_cancelled": {**_BASE, "when": When(AT), "makeup": Fragment(MAKEUP_OWED)},
    "session_cancelled_today": {
        **_BASE, "when": When(AT), "makeup": Fragment(MAKEUP_ON, makeup=When(LATER, weekday=True)),
    },
    "makeup_scheduled": {**_BASE, "when": When(AT), "makeup": When(LATER, weekday=True)},
    "quorum_met": {**_BASE, "first": Fragment(FIRST_SESSION, when=When(AT, weekday=True))},
    "quorum_cancelled": {
        **_BASE, "outcome": Fragment(QUORUM_CREDIT, amount=Money(5_000_000)),
        "similar": Fragment(SIMILAR_CLASSES, name="آرش", classes=f"\nسفال: {URL}"),
    },
    "offering_cancelled": {
        **_BASE, "reason": "نبود مربی", "similar": "",
        "credit": Fragment(CENTER_CANCEL_CREDIT, amount=Money(5_000_000), wallet=URL),
    },
    "enrollment_cancelled_by_center": {
        **_BASE, "reason": "جابه‌جایی", "credit": Fragment(CENTER_CANCEL_CREDIT, amount=Money(5_000_000), wallet=URL),
    },
    "attendance_absent": {**_BASE, "when": When(AT)},
    "refund_requested": {"amount": Money(5_000_000)},
    "refund_approved": {"number": Number(42), "amount": Money(5_000_000)},
    "refund_paid": {"number": Number(42), "amount": Money(5_000_000), "sheba_end": Number("0123"), "reference": "9876"},
    "refund_rejected": {"number": Number(42), "amount": Money(5_000_000), "reason": "شبا نادرست"},
    "document_approved": {"name": "شناسنامه", "learner": "آرش رضایی", "course": "نقاشی"},
    "document_rejected": {"name": "شناسنامه", "learner": "آرش رضایی", "course": "نقاشی", "reason": "ناخوانا"},
    "staff_message": {"center": "مرکز مجازی", "text": "کارگاه: یادآوری جلسه"},
}  # fmt: skip

# What each kind's Persian text must show: its Jalali moment, amount or number.
FA_EXPECTED: dict[str, list[str]] = {
    "seat_held": [FA_WHEN], "hold_expired": [FA_WHEN], "waiting_list_offer": [FA_WHEN],
    "schedule_change": [FA_WHEN, "سه‌شنبه ۱۴۰۳/۰۷/۰۳ ۱۷:۳۰"],
    "session_cancelled": [FA_WHEN], "session_cancelled_today": [FA_WHEN, "سه‌شنبه ۱۴۰۳/۰۷/۰۳ ۱۷:۳۰"],
    "makeup_scheduled": [FA_WHEN, "سه‌شنبه ۱۴۰۳/۰۷/۰۳ ۱۷:۳۰"],
    "quorum_met": ["یکشنبه " + FA_WHEN], "attendance_absent": [FA_WHEN],
    "payment_kept_released": [FA_MONEY], "payment_kept_already_paid": [FA_MONEY],
    "payment_kept_short": [FA_MONEY], "wallet_topped_up": [FA_MONEY],
    "enrollment_dropped": [FA_MONEY], "quorum_cancelled": [FA_MONEY],
    "offering_cancelled": [FA_MONEY], "enrollment_cancelled_by_center": [FA_MONEY],
    "refund_requested": [FA_MONEY], "refund_approved": [FA_MONEY, "۴۲"],
    "refund_paid": [FA_MONEY, "۴۲", "۰۱۲۳"], "refund_rejected": [FA_MONEY, "۴۲"],
    "otp": ["123456", "۵ دقیقه"],
    "reminder_24h": ["یکشنبه ۱ مهر ۱۴۰۳", "۱۷:۰۰"], "reminder_1h": ["۱۷:۰۰"],
    "sla_compensation": ["۱۴۰۳/۰۷/۰۱", "۵۰٬۰۰۰ تومان"],
}  # fmt: skip
LATIN_KEPT = {"otp": "123456", "refund_paid": "9876"}
EN_EXPECTED: dict[str, list[str]] = {
    "seat_held": [EN_WHEN], "schedule_change": [EN_WHEN, "Tuesday 1403/07/03 17:30"],
    "session_cancelled_today": [EN_WHEN, "Tuesday 1403/07/03 17:30"],
    "quorum_met": ["Sunday " + EN_WHEN], "attendance_absent": [EN_WHEN],
    "refund_paid": [EN_MONEY, "42", "0123"], "quorum_cancelled": [EN_MONEY],
    "reminder_24h": ["Sunday", "17:00"], "sla_compensation": ["1403/07/01", "50,000 Toman"],
}  # fmt: skip


def test_every_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(CATALOGUE)


def _without_links(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_each_kind_renders_in_persian(key: str) -> None:
    message = render(CATALOGUE[key], EXAMPLES[key], "fa")
    text = _without_links(message.title + "\n" + message.body)
    assert message.title and message.body
    # No English word and no placeholder left; digits Persian, except what is kept as
    # written: the sign-in code (phones fill it in from the SMS) and the bank's reference.
    assert not re.search(r"[A-Za-z{}]", text), text
    assert not re.search(r"[0-9]", text.replace(LATIN_KEPT.get(key, "-"), "")), text
    for expected in FA_EXPECTED.get(key, []):
        assert expected in message.body, (key, message.body)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_each_kind_renders_in_english(key: str) -> None:
    message = render(CATALOGUE[key], EXAMPLES[key], "en")
    assert not re.search(r"[۰-۹{}]", message.title + message.body), message.body
    if key != "staff_message":  # the center's own text stays as it was written
        assert message.body.startswith("Kargah")
        assert re.search(r"[A-Za-z]", message.title)
    for expected in EN_EXPECTED.get(key, []):
        assert expected in message.body, (key, message.body)


def test_the_english_calendar_is_jalali_with_latin_digits_in_tehran_time() -> None:
    body = render(CATALOGUE["attendance_absent"], EXAMPLES["attendance_absent"], "en").body
    assert "on 1403/07/01 17:00." in body


def test_cancellations_and_make_ups_always_go_by_sms() -> None:
    always = {key for key, kind in CATALOGUE.items() if kind.always_sms}
    assert always == {
        "otp", "session_cancelled", "session_cancelled_today", "makeup_scheduled",
        "quorum_cancelled", "offering_cancelled", "enrollment_cancelled_by_center",
    }  # fmt: skip
    assert all(not CATALOGUE[key].optional for key in always)


def test_only_sign_in_codes_and_same_day_cancellations_may_wake_a_family() -> None:
    exempt = {key for key, kind in CATALOGUE.items() if kind.quiet_exempt}
    assert exempt == {"otp", "session_cancelled_today"}
    assert {key for key, kind in CATALOGUE.items() if kind.redact_after_send} == {"otp"}
