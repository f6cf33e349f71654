"""Cancelled by the center (issue 11, item 4): a whole offering or one place, the money back
to the wallet through the ledger, the families told with the way to a bank refund."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import Offering, OfferingStatus
from kargah.core.errors import DomainError
from kargah.core.services import audit_record
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    WaitingListEntry,
    WaitingStatus,
)
from kargah.enrollment.services_common import (
    _cancel_place,
    _free_seats,
    _lock_seats,
    _locked_active_place,
    _now,
    _offering_transition,
    _similar_lines,
    _site_url,
    _tell,
    _waiting_transition,
)
from kargah.enrollment.services_seats import _seat_freed
from kargah.notifications.catalogue import CENTER_CANCEL_CREDIT, Fragment, Money
from kargah.sla.models import ServiceEvent, ServiceEventKind
from kargah.wallet.models import TransactionKind

# --- cancelled by the center ---------------------------------------------------------------


# An offering the center may still cancel: once finished there is nothing left to cancel.
CENTER_CANCELLABLE = (
    OfferingStatus.DRAFT,
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)


@dataclass
class CancelReport:
    """What cancelling an offering did; `already` when an earlier run had cancelled it."""

    offering: Offering
    cancelled_places: int = 0
    credited_rials: int = 0
    already: bool = False


def _check_center_staff(actor: User, offering: Offering) -> None:
    from kargah.catalog.services import _check_manages

    _check_manages(actor, offering.center)


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for the cancellation."), code="reason")
    return reason


def _wallet_url() -> str:
    return _site_url(reverse("wallet:refund_create"))


def _center_cancel_body(enrollment: Enrollment, *, paid: int, reason: str) -> dict[str, Any]:
    """The message of a place cancelled by the center: why, the credit and the one-click
    way to the bank refund (the wallet page)."""
    credit = Fragment(CENTER_CANCEL_CREDIT, amount=Money(paid), wallet=_wallet_url())
    return {
        "title": enrollment.offering.course.title,
        "name": enrollment.learner.first_name,
        "reason": reason,
        "credit": credit if paid else "",
    }


def offering_cancel(
    *, actor: User, offering: Offering, reason: str, now: dt.datetime | None = None
) -> CancelReport:
    """Cancels an offering by the center (not quorum; DOMAIN rule 3 by analogy, rule 9):
    every active place is cancelled and what its family paid goes to its wallet through the
    ledger at once, the waiting list ends, the seats are freed, and each family is told by
    one SMS with the way to a bank refund and up to three similar open classes. Audited and
    recorded as a service event, in the same transaction.

    Under the offering's seat lock and row lock, a second run (after or alongside the
    first) finds the offering cancelled and changes nothing (`already`); each credit's
    unique reference is the last guard."""
    _check_center_staff(actor, offering)
    reason = _check_reason(reason)
    now = now or _now()
    sms: list[tuple[Enrollment, dict[str, Any]]] = []
    with transaction.atomic():
        _lock_seats(offering.pk)
        locked = _offering_to_cancel(offering.pk)
        report = CancelReport(offering=locked)
        if locked.status == OfferingStatus.CANCELLED:
            report.already = True
            return report
        if locked.status not in CENTER_CANCELLABLE:
            raise DomainError(_("A finished class cannot be cancelled."), code="status")
        before = {"status": locked.status}
        _offering_transition(locked, OfferingStatus.CANCELLED)
        offers = 0
        for entry in WaitingListEntry.objects.select_for_update().filter(
            offering=locked, status__in=WAITING_OPEN_STATUSES
        ):
            offers += entry.status == WaitingStatus.OFFERED
            _waiting_transition(entry, WaitingStatus.EXPIRED, now=now)
            entry.save(update_fields=["status", "ended_at"])
        active = list(
            Enrollment.objects.select_for_update()
            .select_related("learner", "family__guardian", "offering__course__category")
            .filter(offering=locked, status__in=ACTIVE_STATUSES)
            .order_by("id")
        )
        for enrollment in active:
            paid = _cancel_place(
                enrollment, now=now, cause="cancel", kind=TransactionKind.CANCEL_CREDIT,
                action="enrollment.cancelled_by_center", actor=actor, reason=reason,
            )  # fmt: skip
            report.cancelled_places += 1
            report.credited_rials += paid
            sms.append((enrollment, {
                **_center_cancel_body(enrollment, paid=paid, reason=reason),
                "similar": _similar_lines(enrollment, now),
            }))  # fmt: skip
        _free_seats(locked.pk, offers + len(active))
        audit_record(
            actor=actor, action="offering.cancelled_by_center", obj=locked, before=before,
            after={"status": locked.status, "places": report.cancelled_places,
                   "credited_rials": report.credited_rials},
            reason=reason,
        )  # fmt: skip
        ServiceEvent.objects.record(
            kind=ServiceEventKind.OFFERING_CANCELLED, offering=locked, at=now, cause="center",
            details={"reason": reason, "by": actor.pk, "places": report.cancelled_places,
                     "credited_rials": report.credited_rials},
        )  # fmt: skip
        for enrollment, context in sms:
            _tell(enrollment, "offering_cancelled", context)
        catalog_changed()
    return report


def _offering_to_cancel(offering_id: int) -> Offering:
    """The offering, row-locked and read afresh (the race test's control run replaces this
    with a plain read, to show what the lock prevents)."""
    return (
        Offering.objects.select_for_update().select_related("course", "center").get(pk=offering_id)
    )


def enrollment_cancel_by_center(
    *, actor: User, enrollment: Enrollment, reason: str, now: dt.datetime | None = None
) -> Enrollment:
    """Cancels one place by the center (e.g. the learner was moved, for a reason given):
    what the family paid goes to its wallet at once, the seat goes to the waiting list, the
    change is audited with the reason and the family is told. A place already ended is
    refused, so a second click or run moves no money."""
    _check_center_staff(actor, enrollment.offering)
    reason = _check_reason(reason)
    now = now or _now()
    with transaction.atomic():
        _lock_seats(enrollment.offering_id, families=[enrollment.family_id])
        locked = _locked_active_place(enrollment.pk)
        paid = _cancel_place(
            locked, now=now, cause="cancel", kind=TransactionKind.CANCEL_CREDIT,
            action="enrollment.cancelled_by_center", actor=actor, reason=reason,
        )  # fmt: skip
        _seat_freed(locked.offering, now)
        _tell(
            locked,
            "enrollment_cancelled_by_center",
            _center_cancel_body(locked, paid=paid, reason=reason),
        )
    return locked
