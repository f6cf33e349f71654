"""Template context of the staff pages: the agreement's notice (none in force, or ending)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kargah.accounts.models import STAFF_ROLES
from kargah.core.context_processors import page_side
from kargah.sla.selectors import agreement_notice_cached


def agreement_notice(request: HttpRequest) -> dict[str, Any]:
    # Only staff pages read it, and from the cache: a family's page costs nothing.
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in STAFF_ROLES:
        return {}
    if page_side(request)["page_side"] != "staff":
        return {}
    return {"agreement_notice": agreement_notice_cached()}
