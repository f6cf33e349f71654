"""Writes of the person's side of notifications: reading the inbox, choosing channels, the
e-mail address and the language of messages."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.services import audit_record
from kargah.notifications.models import Channel, InboxItem, NotificationPreference
from kargah.notifications.selectors_inbox import inbox_unread_count, kinds_by_group


def _lower_badge(user: User, by: int) -> None:
    if by:
        User.objects.filter(pk=user.pk).update(
            inbox_unread=Greatest(F("inbox_unread") - by, Value(0))
        )
        # The page that answers shows the header from this same user object.
        user.inbox_unread = max(user.inbox_unread - by, 0)


def inbox_item_read(*, user: User, item_id: int) -> InboxItem:
    """Marks one of the person's messages read (opening it does); reading it again changes
    nothing. Another person's message is not found."""
    with transaction.atomic():
        # One conditional UPDATE: two tabs opening it at once lower the badge once.
        marked = InboxItem.objects.filter(pk=item_id, user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        _lower_badge(user, marked)
        item = InboxItem.objects.filter(pk=item_id, user=user).first()
    if item is None:
        raise NotAllowed(_("This message was not found."), code="not_found")
    return item


def inbox_read_all(*, user: User) -> int:
    """Marks every unread message of the person read; returns how many were."""
    with transaction.atomic():
        marked = InboxItem.objects.filter(user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        _lower_badge(user, marked)
    return marked


def inbox_badge_refresh(*, user: User) -> int:
    """Sets the header's badge to the true count (the inbox page does, so that a badge that
    drifted, e.g. after an item was deleted by hand, heals the next time it is opened)."""
    count = inbox_unread_count(user=user)
    if count != user.inbox_unread:
        User.objects.filter(pk=user.pk).update(inbox_unread=count)
        user.inbox_unread = count
    return count


def notification_preferences_save(
    *,
    user: User,
    channels: dict[str, set[str]],
    email: str,
    language: str,
) -> None:
    """Saves the person's channels per group of kinds (every kind of a group alike), their
    e-mail address and the language of their messages; one audit row. SMS stays on for the
    kinds that always go by SMS, whatever was sent; e-mail needs an address."""
    groups = kinds_by_group()
    unknown = set(channels) - set(groups)
    if unknown:
        raise DomainError(_("Unknown kind of message."), code="unknown_group")
    email = (email or "").strip()
    if any(Channel.EMAIL in chosen for chosen in channels.values()) and not email:
        raise DomainError(
            _("To receive messages by e-mail, enter your e-mail address."), code="email_needed"
        )
    before = {"email": user.email, "language": user.language}
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.email, locked.language = email, language
        locked.save(update_fields=["email", "language"])
        after: dict[str, object] = {"email": email, "language": language}
        for key, kinds in groups.items():
            chosen = channels.get(key, set())
            for kind in kinds:
                NotificationPreference.objects.update_or_create(
                    user=locked,
                    kind=kind.key,
                    defaults={
                        "sms": Channel.SMS in chosen or kind.always_sms,
                        "email": Channel.EMAIL in chosen,
                        "inbox": Channel.INBOX in chosen,
                    },
                )
            after[key] = sorted(chosen | ({Channel.SMS} if kinds[0].always_sms else set()))
        audit_record(
            actor=locked, action="notifications.preferences_saved", obj=locked,
            before=before, after=after,
        )  # fmt: skip
    user.email, user.language = email, language


def user_language_set(*, user: User, language: str) -> None:
    """The header's language switch also sets the language of the person's messages."""
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
