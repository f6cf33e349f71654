"""Validators for Iranian identifiers: mobile numbers and national codes.

The national-code checksum is written here because no well-kept library covers it
(python-stdnum has no Iranian module); it is ten lines of arithmetic.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kargah.core.persian import to_latin_digits

_MOBILE_CHARS = re.compile(r"\+?[0-9]{6,15}")
_NATIONAL_CODE_CHARS = re.compile(r"[0-9]{8,10}")


def normalize_mobile(value: str) -> str:
    """Any way a guardian types an Iranian mobile number → E.164 (+989121234567).

    Accepts Persian/Arabic digits, spaces and dashes, 0912…, 912…, 98912…, +98912…, 0098912….
    Raises ValidationError with a Persian message for landlines, foreign and malformed numbers.
    """
    text = to_latin_digits(value or "").strip()
    for ch in " -()\u200c":
        text = text.replace(ch, "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("98") and len(text) == 12:
        text = "+" + text
    if not text:
        raise ValidationError(_("Enter your mobile number."), code="required")
    # phonenumbers would read letters as a phone keypad; only digits are a number here.
    if not _MOBILE_CHARS.fullmatch(text):
        raise ValidationError(
            _("This is not a mobile number. Enter it like 09121234567."), code="invalid"
        )
    try:
        number = phonenumbers.parse(text, "IR")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("This is not a mobile number. Enter it like 09121234567."), code="invalid"
        ) from None
    if phonenumbers.region_code_for_number(number) != "IR":
        raise ValidationError(
            _("Only Iranian mobile numbers are accepted (starting with 09)."), code="foreign"
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a mobile number. Enter it like 09121234567."), code="invalid"
        )
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(
            _("This is a landline number; enter a mobile number that starts with 09."),
            code="landline",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_national_code(code: str) -> bool:
    """The Iranian national code (کد ملی): ten digits, the last a mod-11 check digit."""
    if not re.fullmatch(r"[0-9]{10}", code) or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    check = int(code[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def normalize_national_code(value: str) -> str:
    """Cleans and checks a national code; raises ValidationError with a Persian message."""
    code = to_latin_digits(value or "").strip().replace("-", "").replace(" ", "")
    # str.isdigit() would pass digits of every script; only 0-9 (after conversion) are valid.
    if not _NATIONAL_CODE_CHARS.fullmatch(code):
        raise ValidationError(_("A national code has ten digits."), code="invalid")
    # Codes printed without their leading zeros are still valid when padded back.
    code = code.zfill(10)
    if not is_valid_national_code(code):
        raise ValidationError(
            _("This national code is not valid; check the ten digits on the birth certificate."),
            code="checksum",
        )
    return code


def mask_national_code(code: str) -> str:
    """Learners are minors: lists show only the last three digits (۰۰۰۰۰۰۰۱۲۳ → ‎*******123)."""
    return "*" * 7 + code[-3:] if code else ""
