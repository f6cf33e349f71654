"""Pages of the documents app: a guardian hands in a child's documents for a course (R1),
the family and the center's staff download them, and staff review them.

A learner or document that is not the caller's is a 404; a signed-in user without the
role for a page gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from kargah.accounts.models import Role, User
from kargah.accounts.selectors import learner_get_for
from kargah.catalog.models import Course
from kargah.core.errors import DomainError
from kargah.documents import selectors, services
from kargah.documents.forms import DocumentReviewForm, DocumentUploadForm
from kargah.documents.models import DocumentStatus
from kargah.documents.storage import private_storage


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _back(request: HttpRequest) -> str:
    """Where to go after an upload: the page that sent the family here (the registration
    page), if it is a path of this site; else ""."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return ""


def _slot(request: HttpRequest) -> str:
    """The form's place on its page (unique ids when htmx swaps one form back in)."""
    slot = request.POST.get("slot", "")
    return slot if slot.isdigit() and len(slot) < 6 else "0"


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware (config/settings: HtmxMiddleware)."""

    htmx: HtmxDetails


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HtmxHttpRequest, learner_id: int, course_id: int) -> HttpResponse:
    """A child's documents for one course and the form to hand one in (R1). Posted with
    htmx from the registration or documents page, a refusal answers with that document's
    form and the checks' message; a success sends the browser back where it came from."""
    user = _user(request)
    if user.role != Role.GUARDIAN:
        raise PermissionDenied
    learner = learner_get_for(user=user, learner_id=learner_id)
    course = get_object_or_404(Course, pk=course_id)
    names = selectors.required_documents(course)
    back = _back(request)
    form = DocumentUploadForm(request.POST or None, request.FILES or None, names=names)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                guardian=user,
                learner=learner,
                course=course,
                name=form.cleaned_data["name"],
                file=form.cleaned_data["file"],
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            messages.success(
                request,
                _("«%(name)s» of %(learner)s was received and awaits review.")
                % {"name": form.cleaned_data["name"], "learner": learner.full_name},
            )
            target = back or request.get_full_path()
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    if request.method == "POST" and request.htmx:
        name = request.POST.get("name", "")
        return render(
            request,
            "documents/_upload_form.html",
            {
                "learner": learner,
                "course": course,
                "need_name": name if name in names else "",
                "form": form,
                "back": back,
                "slot": _slot(request),
            },
        )
    return render(
        request,
        "documents/upload.html",
        {
            "learner": learner,
            "course": course,
            "needs": selectors.document_needs(learner=learner, course=course),
            "form": form,
            "failed_name": request.POST.get("name", "") if form.errors else "",
            "back": back,
            "missing": selectors.documents_missing(learner=learner, course=course),
        },
    )


@login_required
@require_GET
def family_list(request: HttpRequest) -> HttpResponse:
    """Every child's documents and what each of their courses asks for: own children with
    the upload button, children linked by a second guardian's link read-only."""
    user = _user(request)
    if user.role != Role.GUARDIAN:
        raise PermissionDenied
    return render(
        request,
        "documents/list.html",
        {
            "overview": selectors.family_document_overview(guardian=user),
            "back": request.get_full_path(),
        },
    )


@login_required
@require_GET
def download(request: HttpRequest, document_id: int) -> FileResponse:
    document = selectors.document_get_for_download(user=_user(request), document_id=document_id)
    if not document.file.name:
        raise Http404
    try:
        handle = private_storage().open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=request.GET.get("save") == "1",
        filename=document.download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _reviewer(request: HttpRequest) -> User:
    user = _user(request)
    if not (user.is_administrator or (user.role == Role.CENTER_STAFF and user.center_id)):
        raise PermissionDenied
    return user


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    status = request.GET.get("status", DocumentStatus.SUBMITTED)
    if status not in {s.value for s in DocumentStatus} | {""}:
        status = DocumentStatus.SUBMITTED
    documents = selectors.documents_for_review(user=user, status=status or None)
    return render(
        request,
        "documents/review.html",
        {
            "documents": documents[:200],
            "status": status,
            "statuses": [("", _("All"))] + [(s.value, s.label) for s in DocumentStatus],
            "form": DocumentReviewForm(),
        },
    )


@login_required
@require_POST
def review_decide(request: HttpRequest, document_id: int) -> HttpResponse:
    user = _reviewer(request)
    document = selectors.document_get_for_review(user=user, document_id=document_id)
    form = DocumentReviewForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choose approve or reject.")]:
            messages.error(request, str(error))
    else:
        try:
            services.document_review(
                actor=user,
                document=document,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The decision was recorded and the family was told."))
    return redirect("documents:review")
