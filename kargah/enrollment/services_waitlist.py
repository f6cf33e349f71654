"""The waiting list: a family joins a full class, leaves it, or is taken off when its link
to the child is revoked; a seat offered to it passes to the next (DOMAIN rule 8)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import Learner, User
from kargah.catalog.models import Offering
from kargah.core.errors import DomainError
from kargah.core.services import audit_record
from kargah.enrollment.models import WAITING_OPEN_STATUSES, WaitingListEntry, WaitingStatus
from kargah.enrollment.services_common import (
    _check_guardian,
    _check_payer,
    _lock_seats,
    _now,
    _waiting_transition,
)
from kargah.enrollment.services_registration import _check_age, _check_not_enrolled, _check_open
from kargah.enrollment.services_seats import _release_expired, _seat_freed, _seats_held

# --- the waiting list ----------------------------------------------------------------------


def waiting_list_join(*, guardian: User, learner: Learner, offering: Offering) -> WaitingListEntry:
    """Puts a learner on a full offering's waiting list (first come, first offered)."""
    family = _check_guardian(guardian, learner)
    now = _now()
    _check_open(offering, now)
    _check_age(learner, offering, now)
    _check_not_enrolled(learner, offering)
    with transaction.atomic():
        _lock_seats(offering.pk)
        offering = Offering.objects.select_related("course").get(pk=offering.pk)
        _check_open(offering, now)
        _release_expired(offering, now)
        if WaitingListEntry.objects.filter(
            offering=offering, learner=learner, status__in=WAITING_OPEN_STATUSES
        ).exists():
            raise DomainError(
                _("%(name)s is already on the waiting list of this class.")
                % {"name": learner.first_name},
                code="already_waiting",
            )
        if _seats_held(offering, now) < offering.capacity:
            raise DomainError(_("This class has free seats; register instead."), code="not_full")
        entry = WaitingListEntry.objects.create(offering=offering, learner=learner, family=family)
        audit_record(actor=guardian, action="waiting_list.joined", obj=entry)
    return entry


def waiting_list_leave(*, guardian: User, entry: WaitingListEntry) -> WaitingListEntry:
    """Takes a learner off a waiting list; a seat offered to them passes to the next."""
    _check_payer(guardian, entry)
    now = _now()
    with transaction.atomic():
        _lock_seats(entry.offering_id)
        locked = (
            WaitingListEntry.objects.select_for_update()
            .select_related("offering__course")
            .get(pk=entry.pk)
        )
        if locked.status not in WAITING_OPEN_STATUSES:
            return locked
        # An offer holds a seat (counted in seats_taken until released, even if expired).
        was_offered = locked.status == WaitingStatus.OFFERED
        _waiting_transition(locked, WaitingStatus.LEFT, now=now)
        locked.save(update_fields=["status", "ended_at"])
        audit_record(actor=guardian, action="waiting_list.left", obj=locked)
        if was_offered:
            _seat_freed(locked.offering, now)
    return locked


def waiting_list_end_for_family(*, learner: Learner, family_id: int, actor: Any) -> int:
    """Takes the child off every waiting list the family put it on: called when the family's
    link to the child is revoked (it may no longer register the child, so a seat offered to
    it would only wait for its expiry); an offered seat passes to the next at once. Its
    places stay (docs/learner-links.md). Returns how many entries ended."""
    now = _now()
    ended = 0
    entries = WaitingListEntry.objects.filter(
        learner=learner, family_id=family_id, status__in=WAITING_OPEN_STATUSES
    ).values_list("pk", "offering_id")
    for pk, offering_id in list(entries):
        with transaction.atomic():
            _lock_seats(offering_id)
            locked = (
                WaitingListEntry.objects.select_for_update()
                .select_related("offering__course")
                .get(pk=pk)
            )
            if locked.status not in WAITING_OPEN_STATUSES:
                continue
            was_offered = locked.status == WaitingStatus.OFFERED
            _waiting_transition(locked, WaitingStatus.LEFT, now=now)
            locked.save(update_fields=["status", "ended_at"])
            audit_record(actor=actor, action="waiting_list.link_revoked", obj=locked)
            if was_offered:
                _seat_freed(locked.offering, now)
            ended += 1
    return ended
