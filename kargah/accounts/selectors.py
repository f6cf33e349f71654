"""Reads of the accounts app. Object-level access lives here: a guardian sees only the
family's own learners; staff see only what their center may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kargah.accounts.models import Center, Learner, Province, Role, User


def learner_of_guardian(*, user: User, learner_id: int) -> Learner | None:
    """One child of the guardian's own family (with the family already attached), or None:
    another family's child is not found. One query on the learner's primary key."""
    family = getattr(user, "family", None) if user.role == Role.GUARDIAN else None
    if family is None:
        return None
    learner = Learner.objects.filter(pk=learner_id, family=family).first()
    if learner is not None:
        learner.family = family
    return learner


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
