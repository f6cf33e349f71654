"""Writes of certificates: issued once for a completed place with enough attendance (by the
lifecycle's completion, the periodic job or `manage.py certificates_issue`), and revoked by
the center with a reason."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.certificates import selectors
from kargah.certificates.models import CODE_ALPHABET, CODE_LENGTH, Certificate
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.services import audit_record
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.notifications.services import notify

logger = logging.getLogger(__name__)

REVOKE_REASON_MAX = 500


def _recheck_days() -> int:
    return int(getattr(settings, "KARGAH_CERTIFICATE_RECHECK_DAYS", 14))


def _new_code() -> str:
    """A fresh random code (`secrets`: not guessable from the others)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not Certificate.objects.filter(code=code).exists():
            return code


def _locked_enrollment(pk: int) -> Enrollment:
    """The place's row, locked to the end of the transaction and read afresh: two issuers
    of one place (the completion and the job, two jobs) take turns here, and the second
    finds the first's certificate (the race test's control replaces it with a plain read)."""
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("learner", "family__guardian", "offering__course", "offering__center")
        .get(pk=pk)
    )


def certificate_issue(
    *, enrollment: Enrollment, actor: User | None = None, now: dt.datetime | None = None
) -> Certificate | None:
    """The certificate of a completed place that earned one, issued now or before (see
    `_issue`); None while the place has not earned one."""
    return _issue(enrollment_id=enrollment.pk, actor=actor, now=now)[0]


def _issue(
    *, enrollment_id: int, actor: User | None, now: dt.datetime | None
) -> tuple[Certificate | None, bool]:
    """The certificate of a completed place whose child attended at least the course's
        share of the held sessions (`Course.certificate_attendance_percent`): issued once, with
        an audit row and a message to the family that holds the place. Idempotent: a place that
        has one gets it back; a place not (yet) eligible gets None and nothing is written. The
    second value says whether this call issued it."""
    now = now or timezone.now()
    with transaction.atomic():
        place = _locked_enrollment(enrollment_id)
        existing = Certificate.objects.filter(enrollment_id=place.pk).first()
        if existing is not None:
            return existing, False
        if place.status != EnrollmentStatus.COMPLETED:
            return None, False
        course = place.offering.course
        attendance = selectors.place_attendance(enrollment=place)
        if not attendance.earns(course.certificate_attendance_percent):
            return None, False
        certificate = Certificate.objects.create(
            enrollment=place,
            code=_new_code(),
            issued_at=now,
            learner_name=place.learner.full_name,
            course_title=course.title,
            center_name=place.offering.center.name,
            hours=attendance.hours,
            sessions_held=attendance.held,
            sessions_attended=attendance.attended,
            attendance_percent=attendance.percent,
        )
        audit_record(
            actor=actor, action="certificate.issued", obj=certificate,
            after={"enrollment": place.pk, "code": certificate.code,
                   "attended": attendance.attended, "held": attendance.held,
                   "threshold": course.certificate_attendance_percent},
        )  # fmt: skip
        notify(
            user=place.family.guardian,
            kind="certificate_issued",
            context={"child": place.learner.first_name, "course": course.title},
            event_key=f"certificate:{certificate.pk}",
            link=reverse("enrollment:schedule"),
        )
    return certificate, True


@dataclass
class IssueReport:
    issued: list[int] = field(default_factory=list)  # certificates issued by this run
    already: list[int] = field(default_factory=list)  # certificates issued before
    not_eligible: list[int] = field(default_factory=list)  # enrollments
    failed: list[str] = field(default_factory=list)


def _issue_each(enrollment_ids: list[int], *, actor: User | None, now: dt.datetime) -> IssueReport:
    report = IssueReport()
    for pk in enrollment_ids:
        try:
            certificate, new = _issue(enrollment_id=pk, actor=actor, now=now)
        except Exception:  # one place's failure is logged and retried by the next run
            logger.exception("certificate of enrollment %s failed", pk)
            report.failed.append(str(pk))
            continue
        if certificate is None:
            report.not_eligible.append(pk)
        elif new:
            report.issued.append(certificate.pk)
        else:
            report.already.append(certificate.pk)
    return report


def certificates_issue_due(
    *, now: dt.datetime | None = None, every_completed: bool = False
) -> IssueReport:
    """The periodic job: the places completed in the last KARGAH_CERTIFICATE_RECHECK_DAYS
    days that have no certificate yet, looked at again, because the attendance of a class's
    last sessions is filled and confirmed after it finished. `every_completed` takes every
    completed place ever (`manage.py certificates_issue --all`, for places completed before
    certificates existed). Safe to run twice, or twice at once."""
    now = now or timezone.now()
    places = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, certificate__isnull=True)
    if not every_completed:
        places = places.filter(ended_at__gte=now - dt.timedelta(days=_recheck_days()))
    return _issue_each(
        list(places.order_by("id").values_list("pk", flat=True)), actor=None, now=now
    )


def certificates_on_offering_finished(
    sender: object, *, offering_id: int, now: dt.datetime, **kwargs: object
) -> None:
    """Receiver of `catalog.signals.offering_finished`: the class has ended, issue its
    certificates (those whose last attendance is not in yet follow with the job)."""
    certificates_issue_for_offering(offering_id=offering_id, now=now)


def certificates_issue_for_offering(
    *, offering_id: int, actor: User | None = None, now: dt.datetime | None = None
) -> IssueReport:
    """Every completed place of one class: called when the class finishes (after its
    commit), and by its center's staff after they corrected attendance."""
    now = now or timezone.now()
    places = list(
        Enrollment.objects.filter(offering_id=offering_id, status=EnrollmentStatus.COMPLETED)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return _issue_each(places, actor=actor, now=now)


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The center's staff (or an administrator) revoke a certificate, with the reason: the
    verify page then says "revoked" and the family can no longer download it. Audited."""
    center_id = certificate.enrollment.offering.center_id
    if not selectors.manages_center(user=actor, center=center_id):
        raise NotAllowed(_("Only the staff of the class's center can revoke its certificates."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for revoking the certificate."), code="reason")
    if len(reason) > REVOKE_REASON_MAX:
        raise DomainError(_("The reason is too long."), code="reason")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.is_revoked:
            raise Conflict(_("This certificate was already revoked."), code="revoked")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_record(
            actor=actor, action="certificate.revoked", obj=locked,
            before={"revoked": False}, after={"revoked": True, "code": locked.code},
            reason=reason,
        )  # fmt: skip
    return locked
