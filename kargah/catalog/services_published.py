"""Changes to a published offering by its center: capacity, quorum, instructors and the
registration window, each checked, audited and told to the enrolled families (issue 11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kargah.accounts.models import Role, User
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import Offering, OfferingStatus, SessionStatus
from kargah.catalog.services import (
    _check_manages,
    _families_to_tell,
    _instructor_clashes,
)
from kargah.core.errors import DomainError
from kargah.core.persian import format_jalali_datetime, localize_digits, to_persian_digits
from kargah.core.services import audit_record
from kargah.notifications.catalogue import Joined
from kargah.notifications.services import notify

# Seats, quorum and window matter only until registration closes (the quorum is judged
# then, P2); who teaches may change until the last session.
UNTIL_REGISTRATION_CLOSES = (OfferingStatus.PUBLISHED,)
WHILE_TAUGHT = (
    OfferingStatus.PUBLISHED,
    OfferingStatus.REGISTRATION_CLOSED,
    OfferingStatus.RUNNING,
)
KEEP = object()  # "this field is not being changed"


@dataclass(frozen=True)
class OfferingChange:
    """What one call changed, for the page: the fields and the waiting families offered."""

    offering: Offering
    changed: list[str]
    offered: int
    told: int


def _refuse(message: str, code: str) -> DomainError:
    return DomainError(message, code=code)


def _check_status(offering: Offering, allowed: tuple[str, ...], what: str) -> None:
    if offering.status not in allowed:
        raise _refuse(
            _("The %(what)s of an offering that is %(status)s cannot change.")
            % {"what": what, "status": offering.get_status_display()},
            "status",
        )


def _check_window(
    offering: Offering,
    opens: dt.datetime | None,
    closes: dt.datetime | None,
    *,
    now: dt.datetime,
    registered: bool,
) -> None:
    """The window's rules. Registration must open before it closes and close before the
    first session. Once it has opened, its opening stays (families may be registering).
    The new close is in the future, and, once a family is registered, never earlier than
    the close they registered under: R4 lets them drop until one day before registration
    closes, so an earlier close would take part of that promised time away."""
    if opens is None or closes is None:
        raise _refuse(_("Set when registration opens and closes."), "window")
    if opens >= closes:
        raise _refuse(_("Registration must open before it closes."), "window")
    first = (
        offering.sessions.exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if first is not None and closes > first:
        raise _refuse(_("Registration must close before the first session."), "window")
    old_opens, old_closes = offering.registration_opens_at, offering.registration_closes_at
    if old_opens is not None and old_opens <= now and opens != old_opens:
        raise _refuse(
            _("Registration opened on %(when)s; that time no longer changes.")
            % {"when": format_jalali_datetime(old_opens)},
            "window_opened",
        )
    if closes <= now:
        raise _refuse(_("Registration cannot close in the past."), "window")
    if registered and old_closes is not None and closes < old_closes:
        raise _refuse(
            _(
                "Families have registered expecting to drop or switch until one day before "
                "registration closes on %(when)s (R4); registration may close later, not "
                "earlier."
            )
            % {"when": format_jalali_datetime(old_closes)},
            "drop_deadline",
        )


def _check_instructors(offering: Offering, instructors: list[User]) -> None:
    if not instructors:
        raise _refuse(_("Choose at least one instructor."), "instructor")
    for person in instructors:
        if person.role != Role.INSTRUCTOR or person.center_id != offering.center_id:
            raise _refuse(
                _("%(name)s is not an instructor of this center.") % {"name": person},
                "instructor",
            )


def _dated(sentence: str, when: dt.datetime) -> Callable[[], str]:
    """A sentence of the families' message with its date, both written in the reader's
    language when the message is."""
    return lambda: _(sentence) % {"when": format_jalali_datetime(when)}


def _family_message(
    offering: Offering, lines: list[Callable[[], str]], reason: str
) -> dict[str, Any]:
    """The context of the families' message: the sentences are written in each reader's
    language when it is rendered."""
    return {"title": offering.course.title, "changes": Joined(list(lines)), "reason": reason}


def offering_change_published(
    *,
    actor: User,
    offering: Offering,
    reason: str,
    capacity: Any = KEEP,
    quorum: Any = KEEP,
    instructors: Any = KEEP,
    registration_opens_at: Any = KEEP,
    registration_closes_at: Any = KEEP,
    fee_rials: Any = KEEP,
) -> OfferingChange:
    """Changes what may change of a published offering, all or nothing: capacity (never
    below the seats taken; new seats go to the waiting list in order), quorum (at least one,
    at most the capacity), instructors (of the center, free at the remaining sessions), the
    registration window (see `_check_window`). The fee never changes once published: every
    family pays the price it registered at. One audit row, one SMS to each enrolled family.
    Times change session by session, through `session_reschedule`."""
    _check_manages(actor, offering.center)
    if not reason.strip():
        raise _refuse(_("Give the reason for the change."), "reason")
    from kargah.enrollment import services_seats as enrollment_seats
    from kargah.enrollment.models import ACTIVE_STATUSES

    now = timezone.now()
    with transaction.atomic():
        # The seat lock first, as every registration takes it, then the row.
        enrollment_seats.seats_lock(offering_id=offering.pk)
        locked = Offering.objects.select_for_update().select_related("course").get(pk=offering.pk)
        if locked.status == OfferingStatus.DRAFT:
            raise _refuse(_("A draft is edited on its edit page."), "draft")
        if fee_rials is not KEEP and fee_rials != locked.fee_rials:
            raise _refuse(
                _("The fee of a published offering does not change: families pay the fee "
                  "they registered at."),
                "fee",
            )  # fmt: skip
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        # Each change's sentence for the families, written later in Persian.
        lines: list[Callable[[], str]] = []

        def note(field: str, old: Any, new: Any, line: Callable[[], str]) -> None:
            before[field], after[field] = old, new
            lines.append(line)

        new_capacity = locked.capacity if capacity is KEEP else int(capacity)
        new_quorum = locked.quorum if quorum is KEEP else int(quorum)
        if new_capacity != locked.capacity or new_quorum != locked.quorum:
            _check_status(locked, UNTIL_REGISTRATION_CLOSES, _("capacity and quorum"))
        if new_capacity != locked.capacity:
            # Expired holds and offers give their seats back before the count is read.
            enrollment_seats.seats_release_expired(offering=locked)
            locked.refresh_from_db(fields=["seats_taken"])
            if new_capacity < locked.seats_taken:
                raise _refuse(
                    _("%(taken)s seats are taken or held; the capacity cannot be less.")
                    % {"taken": to_persian_digits(locked.seats_taken)},
                    "below_taken",
                )
        if not 1 <= new_quorum <= new_capacity:
            raise _refuse(
                _("Capacity must be at least the quorum, and the quorum at least one."),
                "capacity",
            )
        if new_capacity != locked.capacity:
            note(
                "capacity", locked.capacity, new_capacity,
                lambda: _("Capacity: %(new)s seats.") % {"new": localize_digits(new_capacity)},
            )  # fmt: skip
            locked.capacity = new_capacity
        if new_quorum != locked.quorum:
            note(
                "quorum", locked.quorum, new_quorum,
                lambda: _("The class runs with at least %(new)s learners.")
                % {"new": localize_digits(new_quorum)},
            )  # fmt: skip
            locked.quorum = new_quorum

        opens = locked.registration_opens_at
        closes = locked.registration_closes_at
        if registration_opens_at is not KEEP:
            opens = registration_opens_at
        if registration_closes_at is not KEEP:
            closes = registration_closes_at
        if (opens, closes) != (locked.registration_opens_at, locked.registration_closes_at):
            _check_status(locked, UNTIL_REGISTRATION_CLOSES, _("registration window"))
            registered = locked.enrollments.filter(status__in=ACTIVE_STATUSES).exists()
            _check_window(locked, opens, closes, now=now, registered=registered)
            assert opens is not None and closes is not None  # checked just above
            for field, value, sentence in (
                ("registration_opens_at", opens, gettext_noop("Registration opens on %(when)s.")),
                (
                    "registration_closes_at",
                    closes,
                    gettext_noop("Registration closes on %(when)s."),
                ),
            ):
                old = getattr(locked, field)
                if value != old:
                    note(
                        field, old and old.isoformat(), value.isoformat(),
                        _dated(sentence, value),
                    )  # fmt: skip
            locked.registration_opens_at, locked.registration_closes_at = opens, closes

        new_instructors: list[User] | None = None
        if instructors is not KEEP:
            new_instructors = list(instructors)
            old_ids = sorted(locked.instructors.values_list("pk", flat=True))
            if sorted(p.pk for p in new_instructors) != old_ids:
                _check_status(locked, WHILE_TAUGHT, _("instructors"))
                _check_instructors(locked, new_instructors)
                names = "، ".join(str(p) for p in new_instructors)
                note(
                    "instructors", old_ids, sorted(p.pk for p in new_instructors),
                    lambda: _("Taught by %(names)s.") % {"names": names},
                )  # fmt: skip
            else:
                new_instructors = None

        if not lines:
            raise _refuse(_("Nothing was changed."), "unchanged")
        locked.save(
            update_fields=[
                "capacity", "quorum", "registration_opens_at", "registration_closes_at",
            ]
        )  # fmt: skip
        if new_instructors is not None:
            locked.instructors.set(new_instructors)
            _check_free_to_teach(locked)
        offered: list[Any] = []
        if "capacity" in after and after["capacity"] > before["capacity"]:
            offered = enrollment_seats.waiting_list_offer_free_seats(offering=locked)
        catalog_changed()
        change = audit_record(
            actor=actor, action="offering.changed", obj=locked, before=before,
            after={**after, "waiting_offered": [entry.pk for entry in offered]},
            reason=reason.strip(),
        )  # fmt: skip
        guardians = _families_to_tell(locked)
        context = _family_message(locked, lines, reason.strip())
        for guardian in guardians:
            notify(
                user=guardian,
                kind="offering_change",
                context=context,
                event_key=f"offering-change:{change.pk}",
                link=reverse("catalog:detail", args=[locked.pk]),
            )
    return OfferingChange(
        offering=locked, changed=list(after), offered=len(offered), told=len(guardians)
    )


def _check_free_to_teach(offering: Offering) -> None:
    """The new instructors must be free at every session still to come."""
    upcoming = list(
        offering.sessions.filter(
            status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now()
        ).values_list("starts_at", "ends_at")
    )
    clashes = _instructor_clashes(offering, upcoming)
    if clashes:
        raise DomainError(clashes[0], code="instructor_clash", extra={"clashes": clashes})
