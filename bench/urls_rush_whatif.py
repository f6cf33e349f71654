"""The benchmark's URLs, with the what-if changes of bench/settings_rush_whatif.py applied
to the enrollment code in this process (imported once the apps are ready)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from bench import urls as bench_urls
from kargah.catalog.models import Offering
from kargah.catalog.selectors import PUBLIC_STATUSES
from kargah.enrollment import api, services
from kargah.enrollment.models import Enrollment, EnrollmentStatus, WaitingListEntry, WaitingStatus

WHATIF = {w.strip() for w in os.environ.get("BENCH_WHATIF", "").split(",") if w.strip()}


def _offering_alone(offering_id: int) -> Offering:
    offering = (
        Offering.objects.filter(pk=offering_id, status__in=PUBLIC_STATUSES)
        .exclude(published_at__isnull=True)
        .select_related("course")
        .first()
    )
    if offering is None:
        raise api.NotFound("not found")
    return offering


_release_expired = services._release_expired


def _release_if_any(offering: Offering, now: dt.datetime) -> tuple[int, int]:
    expired = (
        Enrollment.objects.filter(
            offering=offering, status=EnrollmentStatus.AWAITING_PAYMENT, hold_expires_at__lte=now
        ).exists()
        or WaitingListEntry.objects.filter(
            offering=offering, status=WaitingStatus.OFFERED, offer_expires_at__lte=now
        ).exists()
    )
    return _release_expired(offering, now) if expired else (0, 0)


def _precheck_unlocked(learner: Any, offering: Offering, now: dt.datetime, **_: Any) -> None:
    services._check_open(offering, now)
    services._check_age(learner, offering, now)
    services._check_documents(learner, offering)


if "offering" in WHATIF:
    api._offering = _offering_alone
if "release" in WHATIF:
    services._release_expired = _release_if_any
if "precheck" in WHATIF:
    _original_create = services.enrollment_create

    def _create(**kwargs: Any) -> Any:
        checks = services._check_can_register
        services._check_can_register = _precheck_unlocked
        try:
            return _original_create(**kwargs)
        finally:
            services._check_can_register = checks

    services.enrollment_create = _create  # the API looks it up on the module at each call

urlpatterns = bench_urls.urlpatterns
handler400 = bench_urls.handler400
handler403 = bench_urls.handler403
handler404 = bench_urls.handler404
handler500 = bench_urls.handler500
