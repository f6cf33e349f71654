"""Reads of the device check: a learner's current check, the latest of many learners, and who may check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone

from kargah.accounts.models import Learner, User
from kargah.accounts.selectors import learner_for_registration, learner_visible_list_for
from kargah.devicecheck.models import DeviceCheck


def valid_since(*, now: dt.datetime | None = None) -> dt.datetime:
    """The oldest moment a passed check may come from and still count."""
    return (now or timezone.now()) - dt.timedelta(days=settings.KARGAH_DEVICE_CHECK_VALID_DAYS)


def is_current(check: DeviceCheck | None, *, now: dt.datetime | None = None) -> bool:
    """A check that passed and is younger than KARGAH_DEVICE_CHECK_VALID_DAYS."""
    return bool(check and check.passed and check.checked_at >= valid_since(now=now))


def learner_for_device_check(*, user: User, learner_id: int) -> Learner:
    """A child the user may check: one of the guardian's own, or one linked to the family
    by an approved link (docs/learner-links.md); anyone else's is a 404."""
    learner = learner_for_registration(user=user, learner_id=learner_id)
    if learner is None:
        raise Http404
    return learner


def device_check_current(*, learner: Learner, now: dt.datetime | None = None) -> DeviceCheck | None:
    """The learner's latest passing check younger than KARGAH_DEVICE_CHECK_VALID_DAYS, or None
    (then the join page sends the learner to the check first)."""
    return (
        DeviceCheck.objects.filter(
            learner=learner, passed=True, checked_at__gte=valid_since(now=now)
        )
        .order_by("-checked_at", "-pk")
        .first()
    )


def device_checks_for_learners(learner_ids: Iterable[int]) -> dict[int, DeviceCheck]:
    """Each learner's latest check, passed or not, by learner id (learners never checked are
    absent): one query for a roster; `is_current` says whether it still counts."""
    ids = list(learner_ids)
    if not ids:
        return {}
    latest = (
        DeviceCheck.objects.filter(learner_id=OuterRef("learner_id"))
        .order_by("-checked_at", "-pk")
        .values("pk")[:1]
    )
    rows = DeviceCheck.objects.filter(learner_id__in=ids, pk=Subquery(latest))
    return {row.learner_id: row for row in rows}


def device_checks_of_guardian(*, user: User) -> list[tuple[Learner, DeviceCheck | None]]:
    """The guardian's children (own and linked) with each one's latest check."""
    learners = list(learner_visible_list_for(user=user).order_by("first_name", "pk"))
    checks = device_checks_for_learners(learner.pk for learner in learners)
    return [(learner, checks.get(learner.pk)) for learner in learners]
