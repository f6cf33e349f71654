"""The certificate of a completed place on the family's *My classes*."""

from __future__ import annotations

from typing import Any

from django import template

from kargah.certificates import selectors
from kargah.enrollment.models import Enrollment

register = template.Library()


@register.inclusion_tag("certificates/_family_certificate.html", takes_context=True)
def family_certificate(context: dict[str, Any], enrollment: Enrollment) -> dict[str, Any]:
    """The download button (or the revocation) for the child's family; nothing otherwise."""
    user = context["request"].user
    return {"certificate": selectors.certificate_for_family(user=user, enrollment=enrollment)}
