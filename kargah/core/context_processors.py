"""Template context of the page shell: which side of the site a page is on (its look)."""

from __future__ import annotations

from django.http import HttpRequest

# Staff pages wear Kargah's look in a calmer key (`body.k-staff`, static/css/kargah.css):
# the desks' namespaces (the center's, its cancellations, the instructor's, the quality
# supervisor's), and the staff pages of the other apps by their URL names.
STAFF_NAMESPACES = frozenset({"catalog_staff", "enrollment_staff", "teaching", "quality", "admin"})
STAFF_URL_NAME_PREFIXES = ("staff_", "finance_", "review")


def page_side(request: HttpRequest) -> dict[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is not None and (
        match.namespace in STAFF_NAMESPACES
        or (match.url_name or "").startswith(STAFF_URL_NAME_PREFIXES)
    ):
        return {"page_side": "staff"}
    return {"page_side": "family"}
