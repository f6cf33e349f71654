"""Reads of the accounts app. Object-level access lives here: a guardian sees the family's
own learners (and, read-only, those linked to it by an approved link); staff see only what
their center may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Q, QuerySet, Subquery
from django.http import Http404

from kargah.accounts.models import (
    Center,
    Learner,
    LearnerLink,
    LinkStatus,
    Province,
    Role,
    User,
)


def learner_list_for(*, user: User) -> QuerySet[Learner]:
    """The learners this user may see: a guardian's own children; everyone for an
    administrator; nobody for other roles until they have a reason (an enrollment)."""
    queryset = Learner.objects.select_related("province", "family")
    if user.is_administrator:
        return queryset
    if user.role == Role.GUARDIAN:
        return queryset.filter(family__guardian=user)
    if user.role == Role.LEARNER:
        return queryset.filter(user=user)
    return queryset.none()


def learner_get_for(*, user: User, learner_id: int) -> Learner:
    """One learner, or 404 when it is not the user's to see (never 403: a guessed id says
    nothing about whether the learner exists)."""
    learner = learner_list_for(user=user).filter(pk=learner_id).first()
    if learner is None:
        raise Http404
    return learner


def center_list_for_staff(*, user: User) -> QuerySet[Center]:
    """The centers whose data a staff member may touch: their own, or all for an
    administrator, finance and quality supervisors (who work across centers)."""
    if user.is_administrator or user.role in (Role.FINANCE, Role.QUALITY):
        return Center.objects.all()
    if user.center_id is not None and user.role in (Role.CENTER_STAFF, Role.INSTRUCTOR):
        return Center.objects.filter(pk=user.center_id)
    return Center.objects.none()


def province_list() -> QuerySet[Province]:
    return Province.objects.all()


# --- one child, two guardians (docs/learner-links.md) -------------------------------------


def linked_learner_ids(*, family_id: int) -> QuerySet[LearnerLink, Any]:
    """The ids of the learners linked to the family by an approved link (a subquery)."""
    return LearnerLink.objects.filter(family_id=family_id, status=LinkStatus.APPROVED).values(
        "learner_id"
    )


def visible_to_family(*, family_id: int | None, learner_field: str = "learner") -> Q:
    """A filter on rows of a learner (`learner_field` names the path to it) for what the
    family may see: its own children and those linked to it by an approved link. A
    subquery, not a join, so that a child with several links gives each row once."""
    if family_id is None:
        return Q(pk__in=[])
    own = Q(**{f"{learner_field}__family_id": family_id})
    linked = Q(**{f"{learner_field}_id__in": linked_learner_ids(family_id=family_id)})
    return own | linked


def family_may_register(*, family_id: int, learner: Learner) -> bool:
    """Whether the family may register the child and pay for it: its own child, or one
    linked to it by an approved link (a revoked link keeps the places already paid, but
    allows no new one)."""
    if learner.family_id == family_id:
        return True
    return LearnerLink.objects.filter(
        learner=learner, family_id=family_id, status=LinkStatus.APPROVED
    ).exists()


def learner_for_registration(*, user: User, learner_id: int) -> Learner | None:
    """A child the guardian may register: own, or linked by an approved link; else None
    (another family's child is not found)."""
    family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
    if family is None:
        return None
    return (
        Learner.objects.select_related("family")
        .filter(Q(family=family) | Q(pk__in=linked_learner_ids(family_id=family.pk)), pk=learner_id)
        .first()
    )


def learners_linked_to(*, user: User) -> QuerySet[Learner]:
    """The children another family registered and linked to this guardian's family."""
    family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
    if family is None:
        return Learner.objects.none()
    return Learner.objects.select_related("province").filter(
        pk__in=linked_learner_ids(family_id=family.pk)
    )


def learner_visible_list_for(*, user: User) -> QuerySet[Learner]:
    """What the guardian may see: own children and, read-only, linked ones."""
    family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
    if family is None:
        return learner_list_for(user=user)
    return Learner.objects.select_related("province", "family").filter(
        Q(family=family) | Q(pk__in=linked_learner_ids(family_id=family.pk))
    )


def learner_get_visible_for(*, user: User, learner_id: int) -> Learner:
    """One learner the user may see (own, or linked by an approved link), else 404."""
    learner = learner_visible_list_for(user=user).filter(pk=learner_id).first()
    if learner is None:
        raise Http404
    return learner


def learner_links_of_owner(*, user: User) -> QuerySet[LearnerLink]:
    """Requests and links on the guardian's own children that are still open (asked or
    approved), for the owner to decide or revoke."""
    if user.role != Role.GUARDIAN:
        return LearnerLink.objects.none()
    return LearnerLink.objects.filter(
        learner__family__guardian=user,
        status__in=[LinkStatus.REQUESTED, LinkStatus.APPROVED],
    ).select_related("learner", "requested_by")


def learner_links_for_staff(*, user: User) -> QuerySet[LearnerLink]:
    """Link requests a staff member may decide: every one for an administrator; for center
    staff, those of learners of their center (enrolled in one of its classes, or of its
    province; the virtual center serves the whole country)."""
    queryset = LearnerLink.objects.select_related("learner", "requested_by").order_by(
        "requested_at", "id"
    )
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_administrator:
        return queryset
    center_id = user.center_id if user.role == Role.CENTER_STAFF else None
    if center_id is None:
        return queryset.none()
    # The center is read inside the one query, not loaded before it.
    center = Center.objects.filter(pk=center_id)
    virtual = Exists(center.filter(is_virtual=True))
    mine = Q(learner__province_id=Subquery(center.values("province_id")))
    enrolled = Learner.objects.filter(enrollments__offering__center_id=center_id).values("pk")
    return queryset.filter(virtual | mine | Q(learner_id__in=enrolled))
