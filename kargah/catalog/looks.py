"""Each field's colour and each category's icon (issue 9, item 11): the sprite's symbols."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kargah.catalog.models import Category

# The sprite every icon below is a <symbol> of; templates point at it with <use href>.
SPRITE = "icons/fields.svg"


class FieldIcon(models.TextChoices):
    """The icons drawn for the fields and sub-categories (static/icons/fields.svg)."""

    BOOK = "book", _("Open book")
    LANTERN = "lantern", _("Lantern")
    BULB = "bulb", _("Light bulb")
    HEART = "heart", _("Heart")
    STAR8 = "star8", _("Eight-pointed star")
    PALETTE = "palette", _("Palette")
    BRUSH = "brush", _("Paint brush")
    NOTE = "note", _("Musical note")
    PEN = "pen", _("Reed pen")
    SCISSORS = "scissors", _("Scissors")
    MASK = "mask", _("Theatre mask")
    CAMERA = "camera", _("Camera")
    QUILL = "quill", _("Quill")
    BUBBLE = "bubble", _("Speech bubble")
    PENCIL = "pencil", _("Pencil")
    ATOM = "atom", _("Atom")
    ROBOT = "robot", _("Robot")
    PLANET = "planet", _("Planet")
    CODE = "code", _("Code")
    FLASK = "flask", _("Flask")
    PUZZLE = "puzzle", _("Puzzle piece")
    DOME = "dome", _("Dome")
    REHAL = "rehal", _("Book stand")


# The five fields' icons, for a category (or a new sub-category) with none of its own.
FIELD_ICONS: dict[str, str] = {
    "cultural": FieldIcon.LANTERN,
    "artistic": FieldIcon.PALETTE,
    "literary": FieldIcon.QUILL,
    "scientific": FieldIcon.ATOM,
    "religious": FieldIcon.DOME,
}

# The colour is the field's, never a sub-category's: five colours, each checked for
# 4.5:1 with white text on it (WCAG AA; kargah/catalog/tests/test_looks.py), in
# static/css/kargah.css as `.field-<kind>`.
FIELD_COLOURS: dict[str, str] = {
    "cultural": "#0f6e6a",
    "artistic": "#b3195b",
    "literary": "#6b3fc4",
    "scientific": "#1f5fbf",
    "religious": "#276b2b",
}


def category_icon(category: Category) -> str:
    """The category's own icon, else its field's (the parent's, then the kind's): a new
    sub-category looks like its field until staff pick one for it."""
    if category.icon:
        return category.icon
    parent = category.parent if category.parent_id else None
    if parent is not None and parent.icon:
        return parent.icon
    return FIELD_ICONS.get(category.kind, FieldIcon.BOOK)


# The icons of the Kanoon's fields and sub-categories (the demo's reference data), by slug;
# staff change them, or set one for a new sub-category, in the admin.
REFERENCE_ICONS: dict[str, str] = {
    "cultural": FieldIcon.LANTERN,
    "artistic": FieldIcon.PALETTE,
    "literary": FieldIcon.QUILL,
    "scientific": FieldIcon.ATOM,
    "religious": FieldIcon.DOME,
    "book-reading": FieldIcon.BOOK,
    "philosophy-for-children": FieldIcon.BULB,
    "life-skills": FieldIcon.HEART,
    "iran-studies": FieldIcon.STAR8,
    "painting": FieldIcon.BRUSH,
    "music": FieldIcon.NOTE,
    "calligraphy": FieldIcon.PEN,
    "handicrafts": FieldIcon.SCISSORS,
    "theatre": FieldIcon.MASK,
    "photography": FieldIcon.CAMERA,
    "storytelling": FieldIcon.BUBBLE,
    "story-writing": FieldIcon.PENCIL,
    "robotics": FieldIcon.ROBOT,
    "astronomy": FieldIcon.PLANET,
    "programming": FieldIcon.CODE,
    "experiments": FieldIcon.FLASK,
    "fun-math": FieldIcon.PUZZLE,
    "quran-recitation": FieldIcon.REHAL,
    "quran-memorization": FieldIcon.REHAL,
    # poetry and religious-concepts keep their field's icon (quill, dome).
}
