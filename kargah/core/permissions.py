"""The API's one guardian-only permission; each part says in its own words what it refuses."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsGuardian(BasePermission):
    """Signed in as a guardian (and, with `needs_family`, with the family every guardian
    gets at first sign-in). Build one per part with `guardian_only`, so that the 403 names
    what only a guardian may do there."""

    message: Any = ""
    needs_family = False

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and getattr(user, "is_guardian", False)):
            return False
        return not self.needs_family or getattr(user, "family", None) is not None


def guardian_only(message: Any, *, needs_family: bool = False) -> type[IsGuardian]:
    """IsGuardian refusing with `message` (a lazy translation)."""
    return type("IsGuardian", (IsGuardian,), {"message": message, "needs_family": needs_family})
