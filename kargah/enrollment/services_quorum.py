"""Closing registration at quorum (P2): at or above quorum the class proceeds, below it the
class is cancelled and every family credited; and completing the places of a finished class."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import Offering, OfferingStatus
from kargah.core.errors import DomainError
from kargah.core.services import audit_record, snapshot
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.enrollment.services_common import (
    ENROLLMENT_AUDIT_FIELDS,
    _cancel_place,
    _free_seats,
    _lock_seats,
    _now,
    _offering_transition,
    _save,
    _similar_lines,
    _tell,
    _tell_hold_expired,
    _tell_quorum_met,
    _transition,
    _waiting_transition,
)
from kargah.notifications.catalogue import QUORUM_CREDIT, QUORUM_NO_CREDIT, Fragment, Money
from kargah.wallet.models import TransactionKind

logger = logging.getLogger(__name__)


# --- results -------------------------------------------------------------------------------


@dataclass
class CloseReport:
    proceeded: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    credited_enrollments: int = 0
    credited_rials: int = 0
    failed: list[int] = field(default_factory=list)


# --- closing registration at quorum (P2) ---------------------------------------------------


def _quorum_cancel_enrollment(
    enrollment: Enrollment, *, now: dt.datetime, report: CloseReport
) -> None:
    """One place of an offering cancelled below quorum: what was paid goes to the wallet."""
    paid = _cancel_place(
        enrollment, now=now, cause="quorum", kind=TransactionKind.QUORUM_CREDIT,
        action="enrollment.cancelled_quorum",
    )  # fmt: skip
    if paid:
        report.credited_enrollments += 1
        report.credited_rials += paid
    if paid:
        outcome = Fragment(QUORUM_CREDIT, amount=Money(paid))
    else:
        outcome = Fragment(QUORUM_NO_CREDIT, name=enrollment.learner.first_name)
    _tell(enrollment, "quorum_cancelled", {
        "title": enrollment.offering.course.title, "outcome": outcome,
        "similar": _similar_lines(enrollment, now),
    })  # fmt: skip


def _close_one(offering_id: int, *, now: dt.datetime, report: CloseReport) -> None:
    with transaction.atomic():
        _lock_seats(offering_id)
        offering = Offering.objects.select_for_update().select_related("course").get(pk=offering_id)
        if offering.status != OfferingStatus.PUBLISHED or (
            offering.registration_closes_at is None or offering.registration_closes_at > now
        ):
            return  # done by an earlier run (or changed meanwhile)
        # The waiting list ends with registration; offered seats are given back.
        offers = 0
        for entry in WaitingListEntry.objects.select_for_update().filter(
            offering=offering, status__in=WAITING_OPEN_STATUSES
        ):
            offers += entry.status == WaitingStatus.OFFERED
            _waiting_transition(entry, WaitingStatus.EXPIRED, now=now)
            entry.save(update_fields=["status", "ended_at"])
        confirmed = Enrollment.objects.filter(
            offering=offering, status=EnrollmentStatus.CONFIRMED
        ).count()
        before = {"status": offering.status}
        if confirmed >= offering.quorum:
            _offering_transition(offering, OfferingStatus.REGISTRATION_CLOSED)
            # Unexpired holds may still be paid (the family began before the close);
            # expired ones end now.
            holds = list(
                Enrollment.objects.select_for_update().filter(
                    offering=offering,
                    status=EnrollmentStatus.AWAITING_PAYMENT,
                    hold_expires_at__lte=now,
                )
            )
            for enrollment in holds:
                b = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
                _transition(enrollment, EnrollmentStatus.CANCELLED, now=now)
                _save(enrollment, actor=None, action="enrollment.hold_expired", before=b)
                _tell_hold_expired(enrollment, offering)
            _tell_quorum_met(offering)
            _free_seats(offering.pk, offers + len(holds))
            audit_record(
                actor=None, action="offering.registration_closed", obj=offering,
                before=before, after={"status": offering.status, "confirmed": confirmed},
            )  # fmt: skip
            report.proceeded.append(offering.pk)
        else:
            _offering_transition(offering, OfferingStatus.CANCELLED)
            audit_record(
                actor=None, action="offering.cancelled_quorum", obj=offering,
                before=before,
                after={"status": offering.status, "confirmed": confirmed,
                       "quorum": offering.quorum},
                reason="quorum not met (P2)",
            )  # fmt: skip
            active = list(
                Enrollment.objects.select_for_update()
                .select_related("learner", "family__guardian", "offering__course__category")
                .filter(offering=offering, status__in=ACTIVE_STATUSES)
                .order_by("id")
            )
            for enrollment in active:
                _quorum_cancel_enrollment(enrollment, now=now, report=report)
            _free_seats(offering.pk, offers + len(active))
            report.cancelled.append(offering.pk)
        catalog_changed()


def offerings_close_registration(*, now: dt.datetime | None = None) -> CloseReport:
    """The minute job: closes registration of every published offering whose window has
    ended. At or above quorum (confirmed places) it proceeds (registration closed); below
    it the offering is cancelled and each family's payment credited to its wallet at once,
    with an SMS naming up to three similar open classes for the child (P2, rule 3).

    Each offering is closed in one transaction under its seat lock, and every credit has a
    unique ledger reference: a run that is killed rolls back the offering it was on, and
    the next run closes it whole; a rerun changes nothing. An offering whose closing fails
    is logged, reported in `failed`, and retried by the next run."""
    now = now or _now()
    report = CloseReport()
    due = list(
        Offering.objects.filter(status=OfferingStatus.PUBLISHED, registration_closes_at__lte=now)
        .order_by("registration_closes_at", "id")
        .values_list("pk", flat=True)
    )
    for offering_id in due:
        # Counted apart and merged only when the offering's transaction committed.
        part = CloseReport()
        try:
            _close_one(offering_id, now=now, report=part)
        except Exception:
            logger.exception("closing registration of offering %s failed", offering_id)
            report.failed.append(offering_id)
            continue
        report.proceeded += part.proceeded
        report.cancelled += part.cancelled
        report.credited_enrollments += part.credited_enrollments
        report.credited_rials += part.credited_rials
    return report


# --- the end of a class (issue 10) ---------------------------------------------------------


def enrollments_complete(*, offering: Offering, now: dt.datetime) -> int:
    """confirmed → completed for every confirmed place of a finished offering, each
    audited; called by the lifecycle job in the transaction that finishes the offering
    (under its lock). Returns how many places completed."""
    if offering.status != OfferingStatus.FINISHED:
        raise DomainError(_("Only a finished class completes its places."), code="status")
    places = list(
        Enrollment.objects.select_for_update()
        .filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
        .order_by("id")
    )
    for enrollment in places:
        before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
        _transition(enrollment, EnrollmentStatus.COMPLETED, now=now)
        _save(enrollment, actor=None, action="enrollment.completed", before=before)
    return len(places)
