"""Reads behind the center's messages to families (issue 11 item 6): what a staff member may
write to (an offering, a session or a term of their center) and who receives it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min
from django.http import Http404
from django.utils import timezone

from kargah.accounts.models import Center, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import Offering, Session, SessionStatus, Term
from kargah.enrollment.models import Enrollment, EnrollmentStatus

SCOPE_KINDS = ("offering", "session", "term")


@dataclass(frozen=True)
class MessageScope:
    """Whom a message is for: the families of one offering, of one session's offering, or of
    every offering of a term."""

    kind: str
    target: Offering | Session | Term
    center: Center

    @property
    def offering_ids(self) -> list[int]:
        if isinstance(self.target, Offering):
            return [self.target.pk]
        if isinstance(self.target, Session):
            return [self.target.offering_id]
        return list(Offering.objects.filter(term=self.target).values_list("pk", flat=True))


@dataclass(frozen=True)
class Recipient:
    """One message: a family's guardian, about one class, naming all the family's children
    with a confirmed place in it. It reaches the guardian by the channels they chose."""

    guardian: User
    mobile: str
    family_id: int
    offering_id: int
    children: tuple[str, ...]
    class_title: str
    center_name: str
    when: dt.datetime | None  # the session the message is about, or the class's next one


def message_scope_for_staff(*, user: User, kind: str, target_id: int) -> MessageScope:
    """The offering, session or term, if it belongs to one of the user's centers; else 404."""
    centers = center_list_for_staff(user=user)
    target: Offering | Session | Term | None
    if kind == "offering":
        target = (
            Offering.objects.filter(pk=target_id, center__in=centers)
            .select_related("course", "center")
            .first()
        )
        center = target.center if target else None
    elif kind == "session":
        target = (
            Session.objects.filter(pk=target_id, offering__center__in=centers)
            .select_related("offering__course", "offering__center")
            .first()
        )
        center = target.offering.center if target else None
    elif kind == "term":
        target = (
            Term.objects.filter(pk=target_id, center__in=centers).select_related("center").first()
        )
        center = target.center if target else None
    else:
        raise Http404
    if target is None or center is None:
        raise Http404
    return MessageScope(kind=kind, target=target, center=center)


def _next_sessions(offering_ids: list[int]) -> dict[int, dt.datetime]:
    rows = (
        Session.objects.filter(
            offering_id__in=offering_ids,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .values("offering_id")
        .annotate(first=Min("starts_at"))
    )
    return {row["offering_id"]: row["first"] for row in rows}


def family_message_recipients(*, scope: MessageScope) -> list[Recipient]:
    """One recipient per family and class, for the families with a confirmed place; the
    family is the one that registered the place (it is told of it: docs/learner-links.md).
    Ordered by class and guardian, so the preview's first messages are stable."""
    offering_ids = scope.offering_ids
    places = (
        Enrollment.objects.filter(offering_id__in=offering_ids, status=EnrollmentStatus.CONFIRMED)
        .select_related("learner", "family__guardian", "offering__course", "offering__center")
        .order_by("offering_id", "family_id", "learner__first_name", "learner_id")
    )
    if isinstance(scope.target, Session):
        whens: dict[int, dt.datetime] = {scope.target.offering_id: scope.target.starts_at}
    else:
        whens = _next_sessions(offering_ids)
    grouped: dict[tuple[int, int], list[Enrollment]] = {}
    for place in places:
        grouped.setdefault((place.offering_id, place.family_id), []).append(place)
    return [
        Recipient(
            guardian=group[0].family.guardian,
            mobile=group[0].family.guardian.mobile or "",
            family_id=family_id,
            offering_id=offering_id,
            children=tuple(place.learner.first_name for place in group),
            class_title=group[0].offering.course.title,
            center_name=group[0].offering.center.name,
            when=whens.get(offering_id),
        )
        for (offering_id, family_id), group in grouped.items()
    ]
