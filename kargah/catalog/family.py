"""A family's own part of the catalog list: its children and their places (issue 9, item 8)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, IntegerField, Value

from kargah.accounts.models import Learner, User
from kargah.enrollment.models import (
    ACTIVE_STATUSES,
    WAITING_OPEN_STATUSES,
    Enrollment,
    WaitingListEntry,
)

CHILD = "child"
REGISTERED = "registered"
WAITING = "waiting"


@dataclass
class FamilyPlaces:
    """One offering's places of the family's children: registered, or on its waiting list."""

    registered: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def family_part(*, user: User) -> tuple[list[Learner], dict[int, FamilyPlaces]]:
    """A guardian's children (as `learner_list_for` gives them to a guardian: its family's)
    and their active registrations and open waiting-list entries, in one query: with the
    shared part from the cache, each query is a large part of what a family's page costs.
    The learners carry only what the catalog shows: id, first name and birth date."""
    null_id = Value(None, output_field=IntegerField())
    children = (
        Learner.objects.filter(family__guardian=user)
        .order_by()
        .values_list(
            Value(CHILD, output_field=CharField()), "pk", "first_name", "birth_date", null_id
        )
    )
    enrolled = (
        Enrollment.objects.filter(learner__family__guardian=user, status__in=ACTIVE_STATUSES)
        .order_by()
        .values_list(
            Value(REGISTERED, output_field=CharField()),
            "learner_id", "learner__first_name", "learner__birth_date", "offering_id",
        )
    )  # fmt: skip
    waiting = (
        WaitingListEntry.objects.filter(
            learner__family__guardian=user, status__in=WAITING_OPEN_STATUSES
        )
        .order_by()
        .values_list(
            Value(WAITING, output_field=CharField()),
            "learner_id", "learner__first_name", "learner__birth_date", "offering_id",
        )
    )  # fmt: skip
    learners: dict[int, Learner] = {}
    rows: list[tuple[str, int, int]] = []
    for kind, learner_id, first_name, birth_date, offering_id in children.union(
        enrolled, waiting, all=True
    ):
        if kind == CHILD:
            learners[learner_id] = Learner(
                pk=learner_id, first_name=first_name, birth_date=birth_date
            )
        else:
            rows.append((kind, learner_id, offering_id))
    places: dict[int, FamilyPlaces] = defaultdict(FamilyPlaces)
    for kind, learner_id, offering_id in rows:
        if learner_id in learners:
            place = places[offering_id]
            (place.registered if kind == REGISTERED else place.waiting).append(
                learners[learner_id].first_name
            )
    for place in places.values():
        place.registered.sort()
        place.waiting.sort()
    ordered = sorted(learners.values(), key=lambda learner: (learner.first_name, learner.pk))
    return ordered, dict(places)
