"""Names and titles people type (issue 8, finding 6): one spelling on write, and a Persian
refusal for what is invisible, reordered by bidi controls, an emoji or stacked marks."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from kargah.core import serializers as core_serializers
from kargah.core.forms import Form, NameField, validate_name
from kargah.core.persian import (
    BIDI_CONTROLS,
    MAX_MARKS_PER_LETTER,
    ZWNJ,
    NameTextError,
    clean_name,
    tidy_name,
)

LATIN_LETTERS = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("علي", "علی"),
        ("كيميا", "کیمیا"),
        ("مصطفى", "مصطفی"),
        ("ﻋﻠﯽ", "علی"),  # presentation forms pasted from a PDF
        ("  آرش   \t نوری\n", "آرش نوری"),
        ("مهر\u200c\u200c\u200cناز", "مهر\u200cناز"),
        ("\u200cسارا\u200c", "سارا"),
        ("آل \u200c احمد", "آل احمد"),
        ("آل\u200c احمد", "آل احمد"),
        ("\u200fآرش\u200e", "آرش"),  # marks left at the ends by a paste
        ("محمـــد", "محمد"),
        ("آرش\u200b\u200d", "آرش"),
        ("Rene\u0301", "René"),
        ("O’Brien", "O'Brien"),
        ("Jean‐Paul", "Jean-Paul"),
        ("S. Ahmadi", "S. Ahmadi"),
        ("عَلی", "عَلی"),
    ],
)
def test_names_are_stored_in_one_spelling(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("\u200c", "invisible"),
        ("\u200c \u200c\u200d\u2060\ufeff\u00ad", "invisible"),
        (" - . ' ", "invisible"),
        ("😀", "characters"),
        ("آرش 🎨", "characters"),
        ("آرش\u202eشرآ", "bidi"),
        ("آ\u2067رش", "bidi"),
        ("آر\u200fش", "bidi"),
        ("آ" + "\u0651" * 50, "marks"),
        ("ر" + "\u064e\u0651\u064b", "marks"),
        ("\u0651آرش", "characters"),  # a mark with no letter under it
        ("آرش \u0651", "characters"),
        ("a\u20dd", "characters"),  # an enclosing circle
        ("آرش۲", "characters"),
        ("Ali2", "characters"),
        ("Алексей", "characters"),  # letters of another script
        ("آرش\x07", "characters"),
        ("آرش\ue000", "characters"),  # private use
        ("آرش\ud800", "characters"),  # a lone surrogate
    ],
)
def test_names_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(NameTextError) as refused:
        clean_name(typed)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("رباتیک ۲ (مقدماتی)", "رباتیک ۲ (مقدماتی)"),
        ("C++ برای نوجوانان", "C++ برای نوجوانان"),
        ("🎨 نقاشی", "🎨 نقاشی"),
        ("كتاب‌خواني", "کتاب‌خوانی"),
        ("12", "12"),
    ],
)
def test_titles_keep_digits_and_signs(typed: str, stored: str) -> None:
    assert clean_name(typed, title=True) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("\u200c\u200c", "invisible"),
        ("🎨🎨", "letters"),
        ("!!!", "letters"),
        ("نقاشی\u202e", "bidi"),
        ("نقاشی\x00", "characters"),
        ("ن" + "\u0301" * 3, "marks"),
    ],
)
def test_titles_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(NameTextError) as refused:
        clean_name(typed, title=True)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        *((typed, title) for typed in ["\u200c", "آرش\u202e", "!!!"] for title in (False, True)),
        ("😀", False),
        ("آ" + "\u0651" * 50, False),
        ("آرش۲", False),
        ("نقاشی\x00", True),
    ],
)
def test_every_refusal_is_a_persian_message(typed: str, title: bool) -> None:
    with translation.override("fa"):
        with pytest.raises(ValidationError) as refused:
            validate_name(typed, title=title)
        # Read inside the override: the messages are lazy, and outside it they would speak
        # whatever language an earlier test left active.
        (message,) = refused.value.messages
    assert message and not LATIN_LETTERS.search(message), message


def test_the_marks_limit_is_shown_in_persian_digits() -> None:
    with translation.override("fa"):
        with pytest.raises(ValidationError) as refused:
            validate_name("ر\u064e\u0651\u064b")
        message = refused.value.messages[0]
    assert "۲" in message


class _NameForm(Form):
    name = NameField(max_length=20)


class _NameSerializer(core_serializers.Serializer):
    name = core_serializers.NameField(max_length=20)
    grade = serializers.ChoiceField(choices=[(5, "fifth")])


def test_the_form_and_the_serializer_give_the_same_answer() -> None:
    for typed in ["علي", "\u200c", "😀", "آرش\u202e"]:
        form = _NameForm(data={"name": typed})
        serializer = _NameSerializer(data={"name": typed, "grade": "۵"})
        assert form.is_valid() == serializer.is_valid()
        if form.is_valid():
            assert form.cleaned_data["name"] == serializer.validated_data["name"] == "علی"
            assert serializer.validated_data["grade"] == 5
        else:
            assert [str(e) for e in serializer.errors["name"]] == form.errors["name"]


def test_the_length_limit_counts_the_tidied_name() -> None:
    typed = "  " + "آ" * 20 + "\u200c\u200c  "
    assert _NameForm(data={"name": typed}).is_valid()
    assert _NameSerializer(data={"name": typed, "grade": 5}).is_valid()


def test_an_empty_name_is_the_usual_required_error() -> None:
    form = _NameForm(data={"name": "   "})
    assert not form.is_valid()
    assert form.errors.as_data()["name"][0].code == "required"


# --- properties ------------------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8"),
    max_size=80,  # UTF-8 has no lone surrogates
) | st.text(alphabet="آرشعليكىﻋﻠﯽ \u200c\u200d\u200e\u200f\u202e\u0651\u064e-'.😀۱١1", max_size=30)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.booleans())
def test_a_kept_name_is_tidy_and_clean_is_stable(typed: str, title: bool) -> None:
    try:
        kept = clean_name(typed, title=title)
    except NameTextError as refused:
        assert refused.reason in {"invisible", "bidi", "characters", "marks", "letters"}
        return
    assert kept == tidy_name(kept) == clean_name(kept, title=title)
    assert kept == unicodedata.normalize("NFC", kept)
    assert not set(kept) & BIDI_CONTROLS
    assert not set(kept) & set("يكى\u200b\u200d\ufeff")
    assert kept == kept.strip(" " + ZWNJ)
    assert "  " not in kept and ZWNJ * 2 not in kept
    assert f" {ZWNJ}" not in kept and f"{ZWNJ} " not in kept
    assert not re.search(rf"[\u0300-\u036f\u064b-\u065f\u0670]{{{MAX_MARKS_PER_LETTER + 1}}}", kept)
    if not title:
        assert not any(unicodedata.category(c)[0] in "NSC" and c != ZWNJ for c in kept)


# --- reasons families read (pages and SMS) -----------------------------------------------------


def _reason_forms() -> list[tuple[Any, dict[str, str], str]]:
    from kargah.catalog.forms_staff import RescheduleForm
    from kargah.documents.forms import DocumentReviewForm
    from kargah.wallet.forms import RefundPaidForm, RefundRejectForm

    return [
        (RescheduleForm, {"date": "۱۴۰۹/۰۱/۱۵", "time": "۱۶:۰۰"}, "reason"),
        (DocumentReviewForm, {"decision": "reject"}, "reason"),
        (RefundRejectForm, {}, "reason"),
        (RefundPaidForm, {}, "bank_reference"),
    ]


@pytest.mark.parametrize("typed", ["مربی بیمار\u202eاست", "\u200c\u200c", "مربی\x07بیمار"])
def test_a_reason_sent_to_families_refuses_controls_and_invisible_text(typed: str) -> None:
    for cls, data, field in _reason_forms():
        with translation.override("fa"):
            form = cls(data={**data, field: typed})
            assert not form.is_valid()
            assert form.errors[field], cls
            assert not any(LATIN_LETTERS.search(e) for e in form.errors[field])


def test_a_reason_is_kept_tidy() -> None:
    for cls, data, field in _reason_forms():
        form = cls(data={**data, field: "  مربی  بيمار است\u200c (۲ روز)  "})
        form.is_valid()
        assert form.cleaned_data[field] == "مربی بیمار است (2 روز)", cls
