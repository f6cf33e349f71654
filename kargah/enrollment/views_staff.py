"""The center's staff pages that cancel a class or one place with the money back (issue 11
item 4); the same access as the catalog's staff pages: another center's rows are 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kargah.accounts.models import User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog import selectors as catalog_selectors
from kargah.catalog.views_staff import _refused, _user, staff_page
from kargah.core.errors import DomainError
from kargah.enrollment import services_cancel
from kargah.enrollment.forms import CenterCancelForm
from kargah.enrollment.models import ACTIVE_STATUSES, PAID_STATUSES, Enrollment


def _place_for_staff(*, user: User, enrollment_id: int) -> Enrollment:
    place = (
        Enrollment.objects.filter(
            pk=enrollment_id, offering__center__in=center_list_for_staff(user=user)
        )
        .select_related("learner", "family__guardian", "offering__course", "offering__center")
        .first()
    )
    if place is None:
        raise Http404
    return place


@staff_page
@require_http_methods(["GET", "POST"])
def offering_cancel(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    form = CenterCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services_cancel.offering_cancel(
                actor=user, offering=offering, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            if report.already:
                messages.info(request, _("This class was already cancelled; nothing changed."))
            else:
                messages.success(
                    request,
                    _("The class is cancelled; what the families paid is in their wallets and "
                      "they are told by SMS."),
                )  # fmt: skip
            return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    places = list(
        offering.enrollments.filter(status__in=ACTIVE_STATUSES)
        .select_related("learner")
        .order_by("learner__last_name", "id")
    )
    to_credit = sum(p.paid_rials for p in places if p.status in PAID_STATUSES)
    return render(
        request,
        "enrollment/staff/offering_cancel.html",
        {"offering": offering, "form": form, "places": places, "to_credit": to_credit},
    )


@staff_page
@require_http_methods(["GET", "POST"])
def enrollment_cancel(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = _user(request)
    place = _place_for_staff(user=user, enrollment_id=enrollment_id)
    form = CenterCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_cancel.enrollment_cancel_by_center(
                actor=user, enrollment=place, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The place is cancelled; what the family paid is in its wallet and it is "
                  "told by SMS."),
            )  # fmt: skip
            return redirect("enrollment_staff:offering_cancel", offering_id=place.offering_id)
    paid = place.paid_rials if place.status in PAID_STATUSES else 0
    return render(
        request,
        "enrollment/staff/enrollment_cancel.html",
        {"place": place, "offering": place.offering, "form": form, "paid": paid,
         "active": place.status in ACTIVE_STATUSES},
    )  # fmt: skip
