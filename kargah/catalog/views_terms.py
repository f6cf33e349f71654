"""Staff pages of a center's terms (create, edit, close; the holidays and closures inside
each) and of a course's conditions versions (R2). Same access as the other staff pages
(kargah.catalog.views_staff.staff_page): a row of another center is 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kargah.catalog import selectors, services, services_terms
from kargah.catalog.forms_terms import ConditionsForm, TermForm
from kargah.catalog.views_staff import _refused, _user, staff_page
from kargah.core.errors import DomainError


@staff_page
@require_GET
def term_list(request: HttpRequest) -> HttpResponse:
    terms = selectors.term_list_for_staff(user=_user(request)).order_by("-starts_on", "name")
    return render(request, "catalog/staff/terms.html", {"terms": terms})


@staff_page
@require_http_methods(["GET", "POST"])
def term_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TermForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        center = form.term_center()
        if center is None:
            form.add_error(None, _("Choose the center of the term."))
        else:
            try:
                term = services_terms.term_create(
                    actor=user, center=center, **form.service_kwargs()
                )
            except DomainError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("The term was created."))
                return redirect("catalog_staff:term_detail", term_id=term.pk)
    return render(request, "catalog/staff/term_form.html", {"form": form, "term": None})


@staff_page
@require_http_methods(["GET", "POST"])
def term_edit(request: HttpRequest, term_id: int) -> HttpResponse:
    user = _user(request)
    term = selectors.term_get_for_staff(user=user, term_id=term_id)
    form = TermForm(request.POST or None, user=user, term=term)
    if request.method == "POST" and form.is_valid():
        try:
            services_terms.term_update(actor=user, term=term, **form.service_kwargs())
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The term was saved."))
            return redirect("catalog_staff:term_detail", term_id=term.pk)
    return render(request, "catalog/staff/term_form.html", {"form": form, "term": term})


@staff_page
@require_GET
def term_detail(request: HttpRequest, term_id: int) -> HttpResponse:
    """The term's dates, the holidays and closures inside them, and its offerings."""
    term = selectors.term_get_for_staff(user=_user(request), term_id=term_id)
    holidays = selectors.holidays_of_center(
        center=term.center, start=term.starts_on, end=term.ends_on
    ).select_related("province", "center")
    offerings = term.offerings.select_related("course").order_by("first_date", "id")
    return render(
        request,
        "catalog/staff/term_detail.html",
        {"term": term, "holidays": list(holidays), "offerings": list(offerings)},
    )


@staff_page
@require_POST
def term_close(request: HttpRequest, term_id: int) -> HttpResponse:
    user = _user(request)
    term = selectors.term_get_for_staff(user=user, term_id=term_id)
    try:
        services_terms.term_close(actor=user, term=term)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The term is closed: it takes no new offerings; those in it run on.")
        )
    return redirect("catalog_staff:term_detail", term_id=term.pk)


@staff_page
@require_http_methods(["GET", "POST"])
def course_conditions(request: HttpRequest, course_id: int) -> HttpResponse:
    """Every version of a course's conditions, newest first, and a new version (R2)."""
    user = _user(request)
    course = selectors.course_get_for_staff(user=user, course_id=course_id)
    form = ConditionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conditions = services.course_conditions_update(
                actor=user, course=course, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s of the conditions is in force for new registrations.")
                % {"version": conditions.version},
            )
            return redirect("catalog_staff:course_conditions", course_id=course.pk)
    versions = sorted(course.conditions.all(), key=lambda c: c.version, reverse=True)
    return render(
        request,
        "catalog/staff/course_conditions.html",
        {"course": course, "versions": versions, "form": form},
    )
