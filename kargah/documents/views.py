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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, learner_id: int, course_id: int) -> HttpResponse:
    user = _user(request)
    if user.role != Role.GUARDIAN:
        raise PermissionDenied
    learner = learner_get_for(user=user, learner_id=learner_id)
    course = get_object_or_404(Course, pk=course_id)
    names = [n for n in dict.fromkeys(course.required_documents or []) if isinstance(n, str)]
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
            messages.success(request, _("The document was received and awaits review."))
            return redirect(request.path)
    documents = {
        d.name: d
        for d in selectors.document_list_for_guardian(guardian=user, learner=learner, course=course)
    }
    rows = [(name, documents.get(name)) for name in names]
    return render(
        request,
        "documents/upload.html",
        {
            "learner": learner,
            "course": course,
            "rows": rows,
            "form": form,
            "missing": selectors.documents_missing(learner=learner, course=course),
        },
    )


@login_required
@require_GET
def family_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role != Role.GUARDIAN:
        raise PermissionDenied
    documents = selectors.document_list_for_guardian(guardian=user)
    return render(request, "documents/list.html", {"documents": documents})


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
