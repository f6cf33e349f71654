"""How many parts an SMS takes and what it costs: operators charge by parts.

A text in the GSM 7-bit alphabet fits 160 characters in one part, 153 per part when it is
split (the rest carries the joining header); anything else (Persian) goes as UCS-2: 70 in
one part, 67 per part. A few GSM characters take two places (the escape table).
"""

from __future__ import annotations

from django.conf import settings

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def sms_parts(text: str) -> int:
    """The number of parts the operator sends `text` in (an empty text is still one SMS)."""
    if is_gsm7(text):
        length = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, per_part = GSM7_SINGLE, GSM7_PART
    else:
        # UCS-2 counts 16-bit units: a character outside the BMP (an emoji) takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, per_part = UCS2_SINGLE, UCS2_PART
    if length <= single:
        return 1
    return -(-length // per_part)


def sms_cost_rials(parts: int) -> int:
    return parts * int(settings.KARGAH_SMS_PRICE_PER_PART_RIALS)
