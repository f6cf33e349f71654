"""Reads of enrollment: a family's places and schedule, the drop/switch deadline (R4), a
learner's waiting-list places and the similar classes offered after a quorum cancel (P2)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kargah.accounts.models import Learner, User
from kargah.accounts.selectors import visible_to_family
from kargah.catalog.models import Offering, OfferingStatus, Session, SessionStatus
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    WaitingListEntry,
)

# A seat can be given up, and a paid place dropped or switched, in these states.
DROPPABLE_STATUSES = (EnrollmentStatus.AWAITING_APPROVAL, EnrollmentStatus.CONFIRMED)


def _family_id(guardian: User | AnonymousUser) -> int | None:
    family = getattr(guardian, "family", None) if guardian.is_authenticated else None
    return family.pk if family is not None else None


def enrollments_for_guardian(*, guardian: User | AnonymousUser) -> QuerySet[Enrollment]:
    """Every place the family registered (paid, and acts on: even for a child whose link
    was revoked since), and every other place of its own children and of children linked to
    it by an approved link (seen read-only: the services refuse another family's drop,
    switch or payment), newest first (none for anyone else). `family_id` on each row says
    whose place it is."""
    family_id = _family_id(guardian)
    if family_id is None:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(visible_to_family(family_id=family_id) | Q(family_id=family_id))
        .select_related("learner", "offering__course", "offering__center", "switched_to")
        .order_by("-created_at", "-id")
    )


def enrollment_get_for_guardian(
    *, guardian: User | AnonymousUser, enrollment_id: int
) -> Enrollment:
    """One of the family's enrollments; anyone else's is a 404."""
    try:
        return enrollments_for_guardian(guardian=guardian).get(pk=enrollment_id)
    except Enrollment.DoesNotExist:
        raise Http404 from None


def waiting_list_for_guardian(*, guardian: User | AnonymousUser) -> QuerySet[WaitingListEntry]:
    """The family's open waiting-list places (waiting, or a seat offered), oldest first:
    those it joined, not those of the child's other guardian."""
    family_id = _family_id(guardian)
    if family_id is None:
        return WaitingListEntry.objects.none()
    return (
        WaitingListEntry.objects.filter(family_id=family_id, status__in=WAITING_OPEN_STATUSES)
        .select_related("learner", "offering__course")
        .order_by("created_at", "id")
    )


def waiting_list_position(*, entry: WaitingListEntry) -> int:
    """1 for the first in line (entries already offered a seat are not in line)."""
    return (
        WaitingListEntry.objects.filter(offering_id=entry.offering_id, status="waiting")
        .filter(
            Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, id__lt=entry.pk)
        )
        .count()
        + 1
    )


def waiting_places(
    *, offering_id: int, learner_ids: list[int]
) -> list[tuple[WaitingListEntry, int | None]]:
    """These children's open places on the offering's waiting list, oldest first, each with
    its place in line (1 = next), or None while a seat is offered to it."""
    entries = (
        WaitingListEntry.objects.filter(
            offering_id=offering_id, learner_id__in=learner_ids, status__in=WAITING_OPEN_STATUSES
        )
        .select_related("learner")
        .order_by("created_at", "id")
    )
    return [
        (entry, waiting_list_position(entry=entry) if entry.status == "waiting" else None)
        for entry in entries
    ]


def _family_sessions(family_id: int) -> QuerySet[Session]:
    """Sessions of the classes the family's children are confirmed in (linked children
    too), each annotated with the child it is for (once per child)."""
    return (
        Session.objects.filter(
            # One filter() call: the child and the status are of the same enrollment row.
            visible_to_family(family_id=family_id, learner_field="offering__enrollments__learner")
            | Q(offering__enrollments__family_id=family_id),
            offering__enrollments__status=EnrollmentStatus.CONFIRMED,
        )
        .annotate(
            learner_id=F("offering__enrollments__learner_id"),
            learner_first_name=F("offering__enrollments__learner__first_name"),
            learner_last_name=F("offering__enrollments__learner__last_name"),
        )
        .select_related("offering__course", "makeup_for")
        .order_by("starts_at", "id", "learner_id")
    )


def family_schedule(
    *, guardian: User | AnonymousUser, now: dt.datetime | None = None
) -> QuerySet[Session]:
    """Upcoming sessions (not cancelled, not yet ended) of the classes the family's children
    are confirmed in (linked children too), in time order; each session carries
    `learner_id`, `learner_first_name` and `learner_last_name` of the child it is for (a
    session appears once per child). A make-up carries the session it replaces."""
    family_id = _family_id(guardian)
    if family_id is None:
        return Session.objects.none()
    now = now or timezone.now()
    return (
        _family_sessions(family_id).filter(ends_at__gt=now).exclude(status=SessionStatus.CANCELLED)
    )


def family_cancelled_sessions(
    *, guardian: User | AnonymousUser, now: dt.datetime | None = None
) -> QuerySet[Session]:
    """Sessions of the family's confirmed classes that the center cancelled (P3) and that
    the family still needs to know of: not yet over, or with a make-up not yet set or not
    yet over; each with its make-up (`makeup`, when set) and the child, as
    `family_schedule`."""
    family_id = _family_id(guardian)
    if family_id is None:
        return Session.objects.none()
    now = now or timezone.now()
    return (
        _family_sessions(family_id)
        .filter(status=SessionStatus.CANCELLED)
        .filter(Q(ends_at__gt=now) | Q(makeup__isnull=True) | Q(makeup__ends_at__gt=now))
        .select_related("makeup")
    )


def drop_deadline(offering: Offering) -> dt.datetime | None:
    """The R4 deadline: drop and switch are possible strictly before it (see
    services.drop_deadline for the rule)."""
    from kargah.enrollment.services_drop import drop_deadline as deadline

    return deadline(offering)


def is_payer(enrollment: Enrollment, guardian: User | AnonymousUser) -> bool:
    """Whether the guardian's family registered (and paid for) the place, and so may pay,
    drop or switch it; the child's other guardian only sees it."""
    family_id = _family_id(guardian)
    return family_id is not None and enrollment.family_id == family_id


def can_drop(enrollment: Enrollment, now: dt.datetime | None = None) -> bool:
    """Whether the drop and switch buttons are shown: a paid place before the deadline."""
    if enrollment.status not in DROPPABLE_STATUSES:
        return False
    deadline = drop_deadline(enrollment.offering)
    return deadline is not None and (now or timezone.now()) < deadline


def can_switch(enrollment: Enrollment, now: dt.datetime | None = None) -> bool:
    return enrollment.status == EnrollmentStatus.CONFIRMED and can_drop(enrollment, now)


def similar_offerings(
    *, learner: Learner, offering: Offering, limit: int = 3, now: dt.datetime | None = None
) -> list[Offering]:
    """Up to `limit` open classes like `offering` for this child: the same category or its
    parent's family of categories, the child's age fits, registration open, seats left,
    and the child not already in it. Same category first, then the soonest to close."""
    now = now or timezone.now()
    category = offering.course.category
    root_id = category.parent_id or category.pk
    related = Q(course__category_id=root_id) | Q(course__category__parent_id=root_id)
    # The child only grows older before a class starts; the exact age is checked below.
    age_today = learner.age_on(timezone.localdate(now))
    candidates = (
        Offering.objects.filter(
            related,
            status=OfferingStatus.PUBLISHED,
            registration_opens_at__lte=now,
            registration_closes_at__gt=now,
            seats_taken__lt=F("capacity"),
            max_age__gte=age_today,
            min_age__lte=age_today + 1,
        )
        .exclude(pk=offering.pk)
        .exclude(
            pk__in=Enrollment.objects.filter(learner=learner, status__in=ACTIVE_STATUSES).values(
                "offering_id"
            )
        )
        .select_related("course__category")
        .order_by("registration_closes_at", "id")
    )
    from kargah.enrollment.services_registration import _reference_day

    fitting = [
        other
        for other in candidates[: limit * 10]
        if other.min_age <= learner.age_on(_reference_day(other, now)) <= other.max_age
    ]
    fitting.sort(key=lambda o: o.course.category_id != category.pk)  # stable: same first
    return fitting[:limit]
