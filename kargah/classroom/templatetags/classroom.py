"""Template helpers for join buttons: whether a session's join window is open now."""

from __future__ import annotations

from django import template

from kargah.catalog.models import Session
from kargah.classroom.selectors import join_window

register = template.Library()


@register.filter
def join_open(session: Session) -> bool:
    """True while the session's join button shows (reads no classroom server)."""
    return join_window(session=session).is_open
