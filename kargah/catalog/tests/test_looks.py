"""The catalog's look (issue 9, item 11): every field's colour and icon, and cards that
show the age group, weekdays, time and seats left at a glance."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kargah.catalog.demo import seed_categories
from kargah.catalog.looks import FIELD_COLOURS, FIELD_ICONS, SPRITE, FieldIcon, category_icon
from kargah.catalog.models import Category, CategoryKind, Offering
from kargah.catalog.tests.factories import CategoryFactory, OfferingFactory

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"
SVG = "{http://www.w3.org/2000/svg}"
LIST = reverse("catalog:list")


def sprite_symbols(name: str) -> list[ET.Element]:
    # The repository's own drawing, not outside input.
    root = ET.parse(STATIC / name).getroot()  # noqa: S314
    return list(root.iter(f"{SVG}symbol"))


def sprite_ids(name: str) -> set[str]:
    return {symbol.attrib["id"] for symbol in sprite_symbols(name)}


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_reference_category_has_a_colour_and_a_drawn_icon():
    drawn = sprite_ids(SPRITE)
    categories = seed_categories()
    assert len(categories) >= 20
    for category in Category.objects.select_related("parent"):
        assert category_icon(category) in drawn, category.slug
        assert category.kind in FIELD_COLOURS, category.slug
    # Sub-categories are told apart, not only their fields.
    assert categories["robotics"].look_icon == "robot"
    assert categories["painting"].look_icon == "brush"
    assert categories["quran-recitation"].look_icon == "rehal"


def test_every_icon_staff_can_choose_is_drawn_and_small():
    drawn = sprite_ids(SPRITE)
    assert {choice.value for choice in FieldIcon} <= drawn
    assert set(FIELD_ICONS.values()) <= drawn
    for symbol in sprite_symbols(SPRITE):
        assert len(ET.tostring(symbol)) < 900, symbol.attrib["id"]  # a few hundred bytes
        assert symbol.attrib["stroke"] == "currentColor"  # takes the field's colour


def test_field_colours_carry_white_text_and_match_the_stylesheet():
    css = (STATIC / "css" / "kargah.css").read_text()
    assert set(FIELD_COLOURS) == set(CategoryKind.values)
    for kind, colour in FIELD_COLOURS.items():
        assert contrast(colour, "#ffffff") >= 4.5, kind  # WCAG AA for text
        soft = re.search(rf"\.field-{kind} \{{ --field: {colour}; --field-soft: (#\w+);", css)
        assert soft, kind
        assert contrast(colour, soft.group(1)) >= 4.5, kind  # its name on its tint


def test_a_new_sub_category_looks_like_its_field_until_given_its_own():
    field = CategoryFactory.create(kind=CategoryKind.SCIENTIFIC, icon="")
    child = CategoryFactory.create(kind=CategoryKind.SCIENTIFIC, parent=field, icon="")
    assert child.look_icon == FIELD_ICONS["scientific"]
    field.icon = FieldIcon.FLASK
    assert child.look_icon == "flask"
    child.icon = FieldIcon.PLANET
    assert child.look_icon == "planet"


def card_of(page: str, title: str) -> str:
    cards = re.findall(r'<article class="card k-card.*?</article>', page, re.S)
    found = [card for card in cards if title in card]
    assert len(found) == 1
    return found[0]


def test_card_shows_age_days_time_and_seats_at_a_glance(client: Client):
    robotics = seed_categories()["robotics"]
    offering = OfferingFactory.create(
        published=True,
        course__title="ربات‌های کوچک",
        course__category=robotics,
        course__session_minutes=90,
        weekly_pattern=[{"weekday": 0, "start": "16:00"}, {"weekday": 2, "start": "16:00"}],
        min_age=7,
        max_age=9,
        capacity=10,
        quorum=3,
        fee_rials=8_000_000,
    )
    Offering.objects.filter(pk=offering.pk).update(seats_taken=6)
    card = card_of(client.get(LIST).content.decode(), "ربات‌های کوچک")
    assert "field-scientific" in card and "fields.svg#robot" in card
    assert "رباتیک" in card
    assert "۷ تا ۹ سال" in card
    assert "شنبه و دوشنبه" in card
    assert "۱۶:۰۰–۱۷:۳۰" in card
    assert "۴ جای خالی" in card
    assert "۸۰۰٬۰۰۰ تومان" in card
    assert 'data-testid="window-state"' in card


def test_a_full_card_points_to_the_waiting_list(client: Client):
    offering = OfferingFactory.create(published=True, course__title="پر", capacity=2, quorum=1)
    Offering.objects.filter(pk=offering.pk).update(seats_taken=2)
    card = card_of(client.get(LIST).content.decode(), "پر")
    assert "ظرفیت تکمیل — فهرست انتظار" in card
    assert "جای خالی" not in card


def test_cards_cost_no_query_each(client: Client, settings):
    # The look reads the category and its field from the catalog's one joined query.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    categories = seed_categories()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    OfferingFactory.create(published=True, course__category=categories["music"])
    one = queries()
    for slug in ("robotics", "poetry", "quran-recitation", "iran-studies"):
        OfferingFactory.create(published=True, course__category=categories[slug])
    assert queries() == one
