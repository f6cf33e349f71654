"""The center's roster of an offering (issue 11, item 5), under /staff/: what the desk's
roster shows, plus each place's guardian (number masked; a reveal is audited), the money it
paid and an XLSX export. The catalog's staff access: another center's offering is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from kargah.catalog import selectors as catalog_selectors
from kargah.catalog.models import Offering
from kargah.catalog.views_staff import _is_htmx, _user, staff_page
from kargah.teaching import selectors, services
from kargah.teaching.exports import roster_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_page
@require_GET
def roster(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    return _roster_page(request, offering=offering)


def _roster_page(
    request: HttpRequest, *, offering: Offering, revealed: tuple[int, str] | None = None
) -> HttpResponse:
    return render(
        request,
        "teaching/staff_roster.html",
        {
            "offering": offering,
            "rows": selectors.staff_roster(offering=offering),
            "revealed_learner": revealed[0] if revealed else None,
            "revealed_mobile": revealed[1] if revealed else "",
        },
    )


@staff_page
@require_POST
def reveal(request: HttpRequest, offering_id: int, learner_id: int) -> HttpResponse:
    """The guardian's full number: in place with htmx, else on the whole page."""
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    learner = selectors.staff_roster_learner(offering=offering, learner_id=learner_id)
    mobile = services.guardian_mobile_reveal(actor=user, offering=offering, learner=learner)
    if _is_htmx(request):
        return render(request, "teaching/_revealed_mobile.html", {"mobile": mobile})
    return _roster_page(request, offering=offering, revealed=(learner.pk, mobile))


@staff_page
@require_POST
def export(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    data = services.roster_export(actor=user, offering=offering)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{roster_filename(offering)}"'
    return response
