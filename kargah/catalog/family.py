"""A family's own part of the catalog list: its children's places on the cards (issue 9, item 8)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Value

from kargah.accounts.models import Learner
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    WaitingListEntry,
)

REGISTERED = "registered"
WAITING = "waiting"


@dataclass
class FamilyPlaces:
    """One offering's places of the family's children: registered, or on its waiting list."""

    registered: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def family_places(*, learners: list[Learner], offering_ids: list[int]) -> dict[int, FamilyPlaces]:
    """The family's children's active registrations and open waiting-list entries among
    the given offerings, in one query (none when there is no child or no offering)."""
    if not learners or not offering_ids:
        return {}
    names = {learner.pk: learner.first_name for learner in learners}
    enrolled = (
        Enrollment.objects.filter(
            learner__in=names, offering_id__in=offering_ids, status__in=ACTIVE_STATUSES
        )
        .order_by()
        .values_list("offering_id", "learner_id", Value(REGISTERED, output_field=CharField()))
    )
    waiting = (
        WaitingListEntry.objects.filter(
            learner__in=names, offering_id__in=offering_ids, status__in=WAITING_OPEN_STATUSES
        )
        .order_by()
        .values_list("offering_id", "learner_id", Value(WAITING, output_field=CharField()))
    )
    places: dict[int, FamilyPlaces] = defaultdict(FamilyPlaces)
    for offering_id, learner_id, kind in enrolled.union(waiting, all=True):
        place = places[offering_id]
        (place.registered if kind == REGISTERED else place.waiting).append(names[learner_id])
    for place in places.values():
        place.registered.sort()
        place.waiting.sort()
    return dict(places)
