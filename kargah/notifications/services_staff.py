"""Writes of the staff's outbox desk: a message that gave up (the dead letter) sent again."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.core.errors import DomainError
from kargah.core.services import audit_record
from kargah.notifications import selectors
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.services import _enqueue


@dataclass(frozen=True)
class Resend:
    message: OutboxMessage
    # False when the message was already waiting (a second click): nothing was changed.
    queued_now: bool


def _locked(*, actor: User, message_id: int) -> OutboxMessage | None:
    """The message, if the actor may see it, locked: two clicks at once make one resend,
    the second finding it waiting again."""
    scope = selectors.outbox_for_staff(user=actor).filter(pk=message_id).values("pk")
    return OutboxMessage.objects.select_for_update().filter(pk__in=scope).first()


def outbox_resend(*, actor: User, message_id: int) -> Resend:
    """Puts a failed message back in the queue: pending, due now, its attempts counted from
    zero again; the attempts and the error it gave up with are kept in an audit row. A
    message already waiting again (a double click) is left as it is. Refused, changing
    nothing, for a message sent or delivered (never sent twice), one withdrawn, and a
    sign-in code (the family asks for a new one)."""
    if not selectors.may_resend(actor):
        raise DomainError(_("Only administrators and the center's staff resend messages."),
                          code="forbidden")  # fmt: skip
    with transaction.atomic():
        message = _locked(actor=actor, message_id=message_id)
        if message is None:
            raise DomainError(_("There is no such message."), code="not_found")
        if message.status == OutboxStatus.PENDING:
            return Resend(message=message, queued_now=False)
        if message.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED):
            raise DomainError(
                _("This message was sent; it is not sent again."), code="already_sent"
            )
        if message.status == OutboxStatus.CANCELLED:
            raise DomainError(
                _("This message was withdrawn (its reason is gone); it is not sent."),
                code="withdrawn",
            )
        if message.redact_after_send:
            raise DomainError(
                _("A sign-in code is not sent again; the person asks for a new code."),
                code="sign_in_code",
            )
        before = {
            "status": message.status,
            "attempts": message.attempts,
            "last_error": message.last_error,
        }
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
        audit_record(
            actor=actor,
            action=selectors.RESEND_ACTION,
            obj=message,
            before=before,
            after={"status": message.status, "attempts": 0},
        )
        transaction.on_commit(partial(_enqueue, message.pk))
    return Resend(message=message, queued_now=True)
