"""Writes of the device check: recording a learner's result, judged again on the server."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Learner, Role, User
from kargah.accounts.selectors import family_may_register
from kargah.core.errors import NotAllowed
from kargah.core.services import audit_record
from kargah.devicecheck.browsers import browser_verdict
from kargah.devicecheck.models import DeviceCheck


def connection_is_good(*, rtt_ms: int | None, download_kbps: int | None) -> bool:
    """Whether a measured connection carries a class with camera and microphone (R8)."""
    if rtt_ms is None or download_kbps is None:
        return False
    return (
        rtt_ms <= settings.KARGAH_DEVICE_CHECK_MAX_RTT_MS
        and download_kbps >= settings.KARGAH_DEVICE_CHECK_MIN_DOWNLOAD_KBPS
    )


def device_check_record(
    *,
    actor: User,
    learner: Learner,
    user_agent: str,
    camera_ok: bool,
    microphone_ok: bool,
    speaker_ok: bool,
    rtt_ms: int | None,
    download_kbps: int | None,
) -> DeviceCheck:
    """Keeps a learner's device check. The browser's support comes from the request's
    User-Agent and the connection's verdict from the measured numbers, never from what the
    page concluded; the camera, microphone and speaker are what the learner saw and heard.
    Only a guardian of the child's family, or one linked to it, may record (else not_found)."""
    family = getattr(actor, "family", None) if actor.role == Role.GUARDIAN else None
    if family is None or not family_may_register(family_id=family.pk, learner=learner):
        raise NotAllowed(_("This child was not found in your family."), code="not_found")
    verdict = browser_verdict(user_agent)
    connection_ok = connection_is_good(rtt_ms=rtt_ms, download_kbps=download_kbps)
    with transaction.atomic():
        check = DeviceCheck.objects.create(
            learner=learner,
            checked_by=actor,
            user_agent=user_agent[:512],
            browser_name=verdict.name[:100],
            browser_version=verdict.version[:40],
            os_name=verdict.os_name[:100],
            browser_ok=verdict.supported,
            camera_ok=camera_ok,
            microphone_ok=microphone_ok,
            speaker_ok=speaker_ok,
            rtt_ms=rtt_ms,
            download_kbps=download_kbps,
            connection_ok=connection_ok,
            passed=verdict.supported
            and camera_ok
            and microphone_ok
            and speaker_ok
            and connection_ok,
        )
        audit_record(
            actor=actor,
            action="device_check.recorded",
            obj=check,
            after={
                "learner": learner.pk,
                "passed": check.passed,
                "browser": f"{check.browser_name} {check.browser_version}".strip(),
                "browser_ok": check.browser_ok,
                "camera_ok": camera_ok,
                "microphone_ok": microphone_ok,
                "speaker_ok": speaker_ok,
                "rtt_ms": rtt_ms,
                "download_kbps": download_kbps,
            },
        )
    return check
