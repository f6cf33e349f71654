"""Reads of the notifications app for a person: their inbox and their choice of channels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kargah.accounts.models import User
from kargah.notifications.catalogue import CATALOGUE, GROUPS, MessageKind
from kargah.notifications.models import Channel, InboxItem, NotificationPreference

# Sign-in codes go to the number typed, by SMS only: no choice to show.
HIDDEN_GROUPS = frozenset({"sign_in"})


def inbox_for(*, user: User) -> QuerySet[InboxItem]:
    """The person's own inbox, newest first; nobody reads another's."""
    return InboxItem.objects.filter(user=user).order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    """The true count (one query on the (user, read_at) index); the header shows the copy
    kept on the user, `User.inbox_unread`."""
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class GroupChoice:
    """One row of the preferences page: a group of kinds and the channels chosen for it."""

    key: str
    label: str
    kinds: tuple[MessageKind, ...]
    sms: bool
    email: bool
    inbox: bool

    @property
    def sms_locked(self) -> bool:
        """Cancellations and make-ups always go by SMS: the box is shown ticked and fixed."""
        return any(kind.always_sms for kind in self.kinds)


def kinds_by_group() -> dict[str, tuple[MessageKind, ...]]:
    grouped: dict[str, list[MessageKind]] = {key: [] for key in GROUPS}
    for kind in CATALOGUE.values():
        grouped.setdefault(kind.group, []).append(kind)
    return {
        key: tuple(kinds) for key, kinds in grouped.items() if kinds and key not in HIDDEN_GROUPS
    }


def preference_groups(*, user: User) -> list[GroupChoice]:
    """The person's channels per group: what they chose (one row per kind, all alike within
    a group), else the kinds' defaults. One query."""
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for key, kinds in kinds_by_group().items():
        first = kinds[0]
        preference = chosen.get(first.key)
        if preference is None:
            sms = Channel.SMS in first.default_channels
            email = Channel.EMAIL in first.default_channels
            inbox = Channel.INBOX in first.default_channels
        else:
            sms, email, inbox = preference.sms, preference.email, preference.inbox
        rows.append(
            GroupChoice(
                key=key,
                label=str(GROUPS.get(key, key)),
                kinds=kinds,
                sms=sms or any(kind.always_sms for kind in kinds),
                email=email,
                inbox=inbox,
            )
        )
    return rows
