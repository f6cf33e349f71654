"""The device check pages: the check itself (a page a child can use), and the two small
endpoints it measures the connection against (a ping and a fixed-size payload)."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kargah.accounts.models import Role, User
from kargah.core.errors import DomainError
from kargah.devicecheck import selectors, services
from kargah.devicecheck.browsers import MIN_VERSIONS, browser_verdict
from kargah.devicecheck.forms import DeviceCheckForm

# What the speed test downloads: enough to measure a line of a few Mbps in a second or two.
PAYLOAD_BYTES = 512 * 1024


def _safe_next(request: HttpRequest, url: str) -> str:
    """`next` when it is a path on this site, else ""."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _learner_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@login_required
def check(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.role != Role.GUARDIAN:
        messages.error(request, _("Only a guardian can run the device check for a child."))
        return redirect("core:home")
    learner_id = _learner_id(request.GET.get("learner"))
    next_url = _safe_next(request, request.GET.get("next", "") or request.POST.get("next", ""))
    if learner_id is None:
        # No child named: the guardian picks one.
        return render(
            request,
            "devicecheck/choose.html",
            {"rows": selectors.device_checks_of_guardian(user=user), "next": next_url},
        )
    learner = selectors.learner_for_device_check(user=user, learner_id=learner_id)
    user_agent = request.headers.get("User-Agent", "")
    form = DeviceCheckForm(request.POST or None, initial={"next": next_url})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.device_check_record(
                    actor=user,
                    learner=learner,
                    user_agent=user_agent,
                    camera_ok=data["camera_ok"],
                    microphone_ok=data["microphone_ok"],
                    speaker_ok=data["speaker_ok"],
                    rtt_ms=data["rtt_ms"],
                    download_kbps=data["download_kbps"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = 400
            else:
                if result.passed:
                    messages.success(
                        request,
                        _("%(name)s's device is ready for class.") % {"name": learner.full_name},
                    )
                    if next_url:
                        return redirect(next_url)
                else:
                    messages.warning(
                        request,
                        _("Some steps did not pass yet: see below, fix them and try again."),
                    )
                return redirect(f"{request.path}?learner={learner.pk}")
        else:
            status = 400
    latest = selectors.device_checks_for_learners([learner.pk]).get(learner.pk)
    return render(
        request,
        "devicecheck/check.html",
        {
            "learner": learner,
            "form": form,
            "browser": browser_verdict(user_agent),
            "supported_browsers": sorted(MIN_VERSIONS),
            "latest": latest,
            "latest_current": selectors.is_current(latest),
            "next": next_url,
        },
        status=status,
    )


@login_required
@require_GET
@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    """An empty answer, for measuring the round trip to our server."""
    return HttpResponse(status=204)


@login_required
@require_GET
@never_cache
def payload(request: HttpRequest) -> HttpResponse:
    """Random (incompressible) bytes of a fixed size, for measuring the download speed."""
    response = HttpResponse(os.urandom(PAYLOAD_BYTES), content_type="application/octet-stream")
    # Marked as already encoded, so GZipMiddleware leaves it alone (it would only waste CPU).
    response.headers["Content-Encoding"] = "identity"
    return response
