"""Finding 6 of issue 8 on the learner's page and API: a child's name is tidied on write
(Arabic ي/ك become Persian, NFC, spaces and ZWNJ tidied) and refused, with a Persian
message, when it is invisible, carries bidi controls, is an emoji or stacks combining marks;
the school grade takes Persian digits in the API as it does on the page (R3: the learner's
true information, usable in later notifications)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from kargah.accounts.models import Learner
from kargah.accounts.tests.factories import GuardianFactory
from kargah.accounts.tests.support import row_counts
from kargah.accounts.tests.test_api import LEARNERS, authed, learner_body
from kargah.accounts.tests.test_views import ADD, learner_post

pytestmark = pytest.mark.django_db

LATIN_LETTERS = re.compile(r"[A-Za-z]")

HOSTILE_NAMES = {
    "only zero-width non-joiners": "\u200c\u200c\u200c",
    "only joiners, spaces and format characters": "\u200d \u200c\u2060\ufeff",
    "an emoji": "😀",
    "an emoji beside letters": "آرش 😀",
    "the right-to-left override": "آرش\u202eشرآ",
    "a left-to-right isolate": "آرش\u2066x\u2069",
    "a left-to-right mark inside": "آر\u200eش",
    "fifty stacked combining marks": "آ" + "\u0651" * 50,
    "three marks on one letter": "ر\u064e\u0651\u064b",
    "symbols only": "!!! ***",
    "digits": "آرش ۱۲",
}


@pytest.fixture(autouse=True)
def persian() -> Any:
    with translation.override("fa"):
        yield


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_the_api_refuses_a_hostile_first_name_in_persian(name: str) -> None:
    client = authed(GuardianFactory.create())
    before = row_counts()
    response = client.post(LEARNERS, learner_body(first_name=name), format="json")
    assert response.status_code == 400, response.json()
    messages = response.json()["errors"]["first_name"]
    assert messages and not any(LATIN_LETTERS.search(str(m)) for m in messages), messages
    assert row_counts() == before


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_the_page_refuses_a_hostile_last_name_in_persian(client: Client, name: str) -> None:
    client.force_login(GuardianFactory.create())
    response = client.post(ADD, learner_post(last_name=name))
    assert response.status_code == 200
    errors = response.context["form"].errors["last_name"]
    assert errors and not any(LATIN_LETTERS.search(e) for e in errors), errors
    assert not Learner.objects.exists()


TIDIED = [
    ("علي", "كيانا", "علی", "کیانا"),
    ("  مهر\u200c\u200cناز ", "آل \u200c احمد", "مهر\u200cناز", "آل احمد"),
    ("\u200cسارا\u200c", "رضا\u00a0\u00a0یی", "سارا", "رضا یی"),
    ("\u200fآرش\u200f", "مصطفى", "آرش", "مصطفی"),
    ("ﻋﻠﯽ", "O’Brien", "علی", "O'Brien"),
    ("محمـــد", "Rene\u0301", "محمد", "René"),
]


@pytest.mark.parametrize(("first", "last", "stored_first", "stored_last"), TIDIED)
def test_the_api_stores_names_tidied(first: str, last: str, stored_first: str, stored_last: str):
    client = authed(GuardianFactory.create())
    response = client.post(LEARNERS, learner_body(first_name=first, last_name=last), format="json")
    assert response.status_code == 201, response.json()
    learner = Learner.objects.get()
    assert (learner.first_name, learner.last_name) == (stored_first, stored_last)


@pytest.mark.parametrize(("first", "last", "stored_first", "stored_last"), TIDIED)
def test_the_page_stores_names_tidied(
    client: Client, first: str, last: str, stored_first: str, stored_last: str
):
    client.force_login(GuardianFactory.create())
    response = client.post(ADD, learner_post(first_name=first, last_name=last))
    assert response.status_code == 302, response.context["form"].errors
    learner = Learner.objects.get()
    assert (learner.first_name, learner.last_name) == (stored_first, stored_last)


def test_editing_through_the_api_tidies_the_name_too() -> None:
    client = authed(GuardianFactory.create())
    created = client.post(LEARNERS, learner_body(), format="json").json()
    response = client.patch(
        f"{LEARNERS}/{created['id']}",
        {"first_name": "ياسمن", "data_confirmed": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Learner.objects.get().first_name == "یاسمن"


@pytest.mark.parametrize("grade", ["۵", "٥", "5", 5])
def test_the_api_takes_the_school_grade_in_any_digits(grade: object) -> None:
    client = authed(GuardianFactory.create())
    response = client.post(LEARNERS, learner_body(school_grade=grade), format="json")
    assert response.status_code == 201, response.json()
    assert Learner.objects.get().school_grade == 5
