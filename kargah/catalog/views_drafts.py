"""The staff pages that edit a draft (issue 11 item 1): a course while none of its offerings
is published, and a draft offering; a published one goes to its change page instead."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kargah.catalog import selectors, services_drafts
from kargah.catalog.forms_drafts import CourseEditForm, OfferingEditForm
from kargah.catalog.models import Course, OfferingStatus
from kargah.catalog.services_published import WHILE_TAUGHT
from kargah.catalog.views_staff import _refused, _user, staff_page, unconfirmed_plan
from kargah.core.errors import DomainError


@staff_page
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _user(request)
    course: Course | None = selectors.course_list_for_staff(user=user).filter(pk=course_id).first()
    if course is None:
        raise Http404
    published = course.offerings.exclude(status=OfferingStatus.DRAFT).exists()
    form = CourseEditForm(request.POST or None, user=user, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            services_drafts.course_update(actor=user, course=course, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The course «%(title)s» was saved.") % {"title": course})
            return redirect("catalog_staff:dashboard")
    return render(
        request,
        "catalog/staff/course_edit.html",
        {"form": form, "course": course, "published": published},
    )


@staff_page
@require_http_methods(["GET", "POST"])
def offering_edit(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    if offering.status != OfferingStatus.DRAFT:
        if offering.status in WHILE_TAUGHT:
            return redirect("catalog_staff:offering_change", offering_id=offering.pk)
        return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    form = OfferingEditForm(request.POST or None, user=user, offering=offering)
    # Sessions outside the term or on a Friday wait for a confirmation, as on creation.
    if request.method == "POST" and form.is_valid() and not unconfirmed_plan(form):
        try:
            services_drafts.offering_update(actor=user, offering=offering, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The draft was saved and its sessions planned again."))
            return redirect("catalog_staff:offering_detail", offering_id=offering.pk)
    return render(request, "catalog/staff/offering_edit.html", {"form": form, "offering": offering})
