"""The agreement's staff pages under /staff/agreement/: its versions (the quality supervisor
and administrators read them; administrators add a new signed version)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kargah.accounts.models import Role
from kargah.core.errors import DomainError
from kargah.sla import selectors, services
from kargah.sla.forms import SlaVersionForm
from kargah.sla.models import SlaVersion

View = Callable[..., HttpResponse]


def _agreement_reader(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not (user.role == Role.QUALITY or user.is_administrator):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@_agreement_reader
@require_http_methods(["GET"])
def versions(request: HttpRequest) -> HttpResponse:
    current = selectors.version_in_force()
    return render(
        request,
        "sla/versions.html",
        {
            "versions": selectors.version_list(),
            "current": current,
            "may_add": request.user.is_administrator,  # type: ignore[union-attr]
        },
    )


@_agreement_reader
@require_http_methods(["GET"])
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(SlaVersion, pk=version_id)
    current = selectors.version_in_force()
    return render(
        request,
        "sla/version_detail.html",
        {
            "version": version,
            "in_force": current is not None and current.pk == version.pk,
            "levels": version.levels.select_related("scope_center", "scope_category"),
        },
    )


@_agreement_reader
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_administrator:
        raise Http404
    form = SlaVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.sla_version_create(actor=user, **form.service_kwargs())
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The new version of the agreement is saved."))
            return redirect("sla:staff_version_detail", version_id=version.pk)
    return render(request, "sla/version_form.html", {"form": form})
