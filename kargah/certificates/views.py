"""Pages of certificates: the family's download, the public code check at
/certificates/verify/, and the center's list of a class's certificates with revocation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kargah.catalog import selectors as catalog_selectors
from kargah.catalog.views_staff import _user, staff_page
from kargah.certificates import selectors, services
from kargah.certificates.forms import RevokeForm, VerifyForm
from kargah.certificates.pdf import certificate_filename, certificate_pdf
from kargah.certificates.throttle import verify_allowed
from kargah.core.errors import DomainError
from kargah.core.http import client_ip
from kargah.core.persian import localize_digits


def _site_url(request: HttpRequest) -> str:
    return getattr(settings, "KARGAH_SITE_URL", "") or request.build_absolute_uri("/")


@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a code (typed, or from the QR code's link): a valid certificate shows
    the child's name, the course and the date; a revoked one only that it was revoked; an
    unknown one that nothing was found. Rate-limited per address."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    result = None
    status = 200
    if form.is_bound:
        if not verify_allowed(client_ip(request)):
            status = 429
            form = VerifyForm()
            messages.error(
                request,
                _("Too many codes were checked from this connection. Try again in a few minutes."),
            )
        elif form.is_valid():
            result = selectors.certificate_verify(code=form.cleaned_data["code"])
    response = render(
        request, "certificates/verify.html", {"form": form, "result": result}, status=status
    )
    # A result names a child: never in a search engine's index (the QR code's link carries
    # the code in its query).
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@login_required
@require_GET
def download(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The certificate's PDF, for the child's family and the center (anyone else: 404)."""
    certificate = selectors.certificate_for_download(
        user=request.user, certificate_id=certificate_id
    )
    response = HttpResponse(
        certificate_pdf(certificate, site_url=_site_url(request)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(certificate)}"'
    return response


# --- the center's pages (/staff/) -------------------------------------------------------------


@staff_page
@require_GET
def staff_list(request: HttpRequest, offering_id: int) -> HttpResponse:
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    return _list_page(request, offering_id=offering.pk)


def _list_page(
    request: HttpRequest, *, offering_id: int, form: RevokeForm | None = None,
    form_for: int | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    return render(
        request,
        "certificates/staff_list.html",
        {
            "offering": offering,
            "rows": selectors.offering_certificates(offering=offering),
            "may_act": selectors.manages_center(user=user, center=offering.center_id),
            "revoke_form": form,
            "revoke_form_for": form_for,
        },
        status=status,
    )


@staff_page
@require_POST
def staff_issue(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Issues what the class's places earned now (after staff corrected attendance)."""
    user = _user(request)
    offering = catalog_selectors.offering_get_for_staff(user=user, offering_id=offering_id)
    if not selectors.manages_center(user=user, center=offering.center_id):
        messages.error(
            request, _("Only the staff of the class's center can issue its certificates.")
        )
    else:
        report = services.certificates_issue_for_offering(offering_id=offering.pk, actor=user)
        messages.success(
            request,
            _("%(count)s new certificates were issued.")
            % {"count": localize_digits(len(report.issued))},
        )
    return redirect("certificates_staff:staff_certificates", offering_id=offering.pk)


@staff_page
@require_POST
def staff_revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    user = _user(request)
    certificate = selectors.certificate_for_staff(user=user, certificate_id=certificate_id)
    offering_id = certificate.enrollment.offering_id
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _list_page(
            request, offering_id=offering_id, form=form, form_for=certificate.pk, status=400
        )
    try:
        services.certificate_revoke(
            actor=user, certificate=certificate, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The certificate of %(name)s was revoked.") % {"name": certificate.learner_name},
        )
    return redirect("certificates_staff:staff_certificates", offering_id=offering_id)
