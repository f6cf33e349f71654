"""The family's view of a child's attendance and conduct notes in one class, for "My classes"."""

from __future__ import annotations

from typing import Any

from django import template

from kargah.enrollment.models import Enrollment
from kargah.teaching import selectors

register = template.Library()


@register.inclusion_tag("teaching/_family_attendance.html", takes_context=True)
def family_attendance(context: dict[str, Any], enrollment: Enrollment) -> dict[str, Any]:
    """Each started session with the child's status and minutes, the R7/P3 sentence, and the
    instructor's conduct notes (R6); nothing for anyone but the child's family."""
    user = context["request"].user
    return {
        "enrollment": enrollment,
        "rows": selectors.family_attendance(guardian=user, enrollment=enrollment),
        "notes": list(selectors.family_conduct_notes(guardian=user, enrollment=enrollment)),
    }
