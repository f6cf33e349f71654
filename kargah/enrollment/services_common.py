"""What the enrollment services share (issue 11, item 12, split by concern): the clock and
settings, the seat and wallet locks, the SMS to a place's family (`_tell`), the state changes
with their audit rows, who may act on a place, and the step of every cancellation not of the
family's making with its credit to the wallet.

Money. Every movement is one ledger transaction with a unique reference naming its cause
(`enrollment:<id>:paid|drop|switch|quorum|cancel`), so anything that runs twice moves money
once. The modules: `services_seats` (the seat counter), `services_registration` (R2, paying),
`services_waitlist`, `services_drop` (R4), `services_quorum` (P2, completion),
`services_cancel` (by the center); each imports only this one and those before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Family, Learner, User
from kargah.accounts.selectors import family_may_register
from kargah.catalog.models import OFFERING_TRANSITIONS, Offering, SessionStatus
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.locks import lock_keys
from kargah.core.services import audit_record, snapshot
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    ENROLLMENT_TRANSITIONS,
    PAID_STATUSES,
    WAITING_OPEN_STATUSES,
    WAITING_TRANSITIONS,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
)
from kargah.notifications.catalogue import FIRST_SESSION, SIMILAR_CLASSES, Fragment, When
from kargah.notifications.services import notify
from kargah.wallet.models import AccountKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

ENROLLMENT_AUDIT_FIELDS = ["status", "fee_rials", "paid_rials", "hold_expires_at", "switched_to"]


# --- small seams ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    """The clock of the services (tests move it to check boundaries)."""
    return timezone.now()


def _hold_seconds() -> int:
    return int(getattr(settings, "KARGAH_SEAT_HOLD_SECONDS", 15 * 60))


def _offer_seconds() -> int:
    return int(getattr(settings, "KARGAH_WAITLIST_OFFER_SECONDS", 2 * 60 * 60))


def _free_seats(offering_id: int, count: int = 1) -> None:
    if count:
        Offering.objects.filter(pk=offering_id).update(seats_taken=F("seats_taken") - count)


def _lock_seats(*offering_ids: int, families: Iterable[int] = ()) -> None:
    """The seat locks of the offerings and the wallet locks of the families, taken in one
    call so that they are taken in one (sorted) order by every path."""
    lock_keys(
        *[("offering-seats", str(pk)) for pk in offering_ids],
        *[("wallet", str(pk)) for pk in families],
    )


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'KARGAH_SITE_URL', '').rstrip('/')}{path}"


def _offering_url(offering: Offering) -> str:
    return _site_url(reverse("catalog:detail", args=[offering.pk]))


def _guardian_mobile(to: Learner | Enrollment | WaitingListEntry) -> str:
    return to.family.guardian.mobile or ""


def _tell(
    to: Learner | Enrollment | WaitingListEntry, kind: str, context: dict[str, Any], event: Any = ""
) -> None:
    """A message of the catalogue to the guardian of `to.family`: for a place or a
    waiting-list entry, the family that registered (and paid) it, never the child's other
    guardian. One per place (or entry) and kind, or per `event` of it (e.g. a payment)."""
    event_key = f"{type(to).__name__.lower()}:{to.pk}:{kind}" + (f":{event}" if event else "")
    offering_id = getattr(to, "offering_id", None)
    notify(
        user=to.family.guardian,
        kind=kind,
        context=context,
        event_key=event_key,
        link=reverse("catalog:detail", args=[offering_id]) if offering_id else "",
    )


def _tell_hold_expired(enrollment: Enrollment, offering: Offering) -> None:
    _tell(enrollment, "hold_expired", {
        "title": offering.course.title, "name": enrollment.learner.first_name,
        "until": When(enrollment.hold_expires_at), "link": _offering_url(offering),
    })  # fmt: skip


def _tell_quorum_met(offering: Offering) -> None:
    """The quorum's result when the class runs: each confirmed place, with the first session."""
    first = offering.sessions.filter(status=SessionStatus.SCHEDULED).order_by("starts_at").first()
    places = Enrollment.objects.filter(offering=offering, status=EnrollmentStatus.CONFIRMED)
    for enrollment in places.select_related("learner", "family__guardian"):
        _tell(enrollment, "quorum_met", {
            "title": offering.course.title, "name": enrollment.learner.first_name,
            "first": Fragment(FIRST_SESSION, when=When(first.starts_at, weekday=True))
            if first else "",
        })  # fmt: skip


# --- state changes -------------------------------------------------------------------------


def _transition(enrollment: Enrollment, new_status: str, *, now: dt.datetime) -> None:
    allowed = ENROLLMENT_TRANSITIONS.get(enrollment.status, frozenset())
    if new_status not in allowed:
        raise DomainError(
            _("This registration cannot change from “%(old)s” to “%(new)s”.")
            % {
                "old": EnrollmentStatus(enrollment.status).label,
                "new": EnrollmentStatus(new_status).label,
            },
            code="status",
        )
    enrollment.status = new_status
    if new_status == EnrollmentStatus.CONFIRMED:
        enrollment.confirmed_at = now
    if new_status not in ACTIVE_STATUSES:
        enrollment.ended_at = now
        enrollment.hold_expires_at = None


def _waiting_transition(entry: WaitingListEntry, new_status: str, *, now: dt.datetime) -> None:
    if new_status not in WAITING_TRANSITIONS.get(entry.status, frozenset()):
        raise DomainError(_("This waiting list place has already ended."), code="status")
    entry.status = new_status
    if new_status not in WAITING_OPEN_STATUSES:
        entry.ended_at = now


def _save(
    enrollment: Enrollment, *, actor: Any, action: str, before: dict[str, Any], reason: str = ""
) -> None:
    enrollment.save()
    audit_record(
        actor=actor,
        action=action,
        obj=enrollment,
        before=before,
        after=snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS),
        reason=reason,
    )


# --- who may act on a place ----------------------------------------------------------------


def _check_guardian(guardian: User, learner: Learner) -> Family:
    """The guardian's family, if it may register the child (its own, or linked by an
    approved link: docs/learner-links.md); the family that registers is the one that pays."""
    family = getattr(guardian, "family", None) if guardian.is_authenticated else None
    if family is None or not family_may_register(family_id=family.pk, learner=learner):
        # Another family's child is "not found", not "forbidden": nothing is revealed.
        raise NotAllowed(_("This child was not found in your family."), code="not_found")
    return family


def _check_payer(guardian: User, place: Enrollment | WaitingListEntry) -> Family:
    """Only the family that registered a place (or a waiting-list entry) acts on it: pays,
    drops, switches, leaves. The child's other guardian sees it read-only (refused with
    `not_payer`); anyone else is told it does not exist."""
    family = getattr(guardian, "family", None) if guardian.is_authenticated else None
    if family is not None and place.family_id == family.pk:
        return family
    if family is not None and family_may_register(family_id=family.pk, learner=place.learner):
        raise NotAllowed(
            _("The child's other guardian registered this place; only they can change it."),
            code="not_payer",
        )
    raise NotAllowed(_("This child was not found in your family."), code="not_found")


def _locked_active_place(enrollment_id: int) -> Enrollment:
    """The place row-locked and read afresh; one that has ended is refused (so a second
    drop or cancellation changes nothing)."""
    locked = (
        Enrollment.objects.select_for_update()
        .select_related("learner", "family__guardian", "offering__course")
        .get(pk=enrollment_id)
    )
    if locked.status not in ACTIVE_STATUSES:
        raise DomainError(_("This registration has already ended."), code="status")
    return locked


# --- places ended not by the family (quorum, the center), and money back to the wallet -----


def _credit(enrollment: Enrollment, *, cause: str, kind: str, actor: Any, amount: int) -> None:
    if amount <= 0:
        return
    ledger_post(
        reference=f"enrollment:{enrollment.pk}:{cause}",
        kind=kind,
        entries=[
            (system_account(AccountKind.COURSE_REVENUE), -amount),
            (family_wallet(enrollment.family), amount),
        ],
        memo=f"{enrollment.offering.course.title} — {enrollment.learner.full_name}",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _cancel_place(
    enrollment: Enrollment,
    *,
    now: dt.datetime,
    cause: str,
    kind: str,
    action: str,
    actor: Any = None,
    reason: str = "",
) -> int:
    """The step every cancellation not of the family's making shares (quorum P2, the
    center): the place is cancelled and audited, and what was paid goes to the wallet (the
    unique reference `enrollment:<id>:<cause>` credits it once however often it runs).
    Returns the Rials credited. The caller holds the seat lock and frees the seat."""
    before = snapshot(enrollment, ENROLLMENT_AUDIT_FIELDS)
    paid = enrollment.paid_rials if enrollment.status in PAID_STATUSES else 0
    _transition(enrollment, EnrollmentStatus.CANCELLED, now=now)
    _credit(enrollment, cause=cause, kind=kind, actor=actor, amount=paid)
    _save(enrollment, actor=actor, action=action, before=before, reason=reason)
    return paid


def _offering_transition(offering: Offering, new_status: str) -> None:
    if new_status not in OFFERING_TRANSITIONS.get(offering.status, set()):
        raise DomainError(_("This class cannot change to that state."), code="status")
    offering.status = new_status
    offering.save(update_fields=["status"])


def _similar_lines(enrollment: Enrollment, now: dt.datetime) -> Fragment | str:
    """Up to three similar open classes for the child, as the lines of an SMS (rule 3)."""
    from kargah.enrollment.selectors import similar_offerings

    similar = similar_offerings(learner=enrollment.learner, offering=enrollment.offering, now=now)
    if not similar:
        return ""
    classes = "".join(f"\n{other.course.title}: {_offering_url(other)}" for other in similar)
    return Fragment(SIMILAR_CLASSES, name=enrollment.learner.first_name, classes=classes)
