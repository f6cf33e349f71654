"""Reads of the staff's outbox desk (issue 12, item 4): which messages a staff member may see,
filtered; counts per day, channel and kind and the SMS spend, grouped in the database.

Administrators, finance and the quality supervisor see every message; a center's staff see
the messages to the families that hold (or held) a place in their center's classes, and
those tied to their center's sessions, never those tied to another center's sessions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kargah.accounts.models import Role, User
from kargah.core.models import AuditLogEntry
from kargah.core.persian import (
    JALALI_MONTHS_EN,
    JALALI_MONTHS_FA,
    TEHRAN,
    localize_digits,
    mask_mobile,
    to_jalali,
)
from kargah.enrollment.models import Enrollment
from kargah.notifications.catalogue import CATALOGUE
from kargah.notifications.models import Channel, OutboxMessage, OutboxStatus

RESEND_ACTION = "outbox.resent"
# How far back the desk looks when no period is chosen.
DEFAULT_DAYS = 30


# --- who sees what -----------------------------------------------------------------------------


def sees_every_message(user: User) -> bool:
    return user.is_administrator or user.role in (Role.FINANCE, Role.QUALITY)


def may_see_outbox(user: User) -> bool:
    return sees_every_message(user) or (
        user.role == Role.CENTER_STAFF and user.center_id is not None
    )


def may_resend(user: User) -> bool:
    """Administrators and a center's staff; finance and the quality supervisor only read."""
    return user.is_administrator or (user.role == Role.CENTER_STAFF and user.center_id is not None)


def outbox_for_staff(*, user: User) -> QuerySet[OutboxMessage]:
    """The messages `user` may see (none for a role without the desk)."""
    messages = OutboxMessage.objects.select_related("session__offering__course")
    if sees_every_message(user):
        return messages
    if not may_see_outbox(user):
        return messages.none()
    center_id = user.center_id
    assert center_id is not None  # may_see_outbox: a center's staff have a center
    places = Enrollment.objects.filter(offering__center_id=center_id)
    guardians = places.values("family__guardian_id")
    # Older messages were queued by number only (sms_queue): matched by the guardian's mobile.
    mobiles = places.exclude(family__guardian__mobile=None).values("family__guardian__mobile")
    to_families = Q(user_id__in=guardians) | Q(
        user__isnull=True, channel=Channel.SMS, recipient__in=mobiles
    )
    own_session = Q(session__offering__center_id=center_id)
    return messages.filter((to_families & Q(session__isnull=True)) | own_session)


def outbox_get_for_staff(*, user: User, message_id: int) -> OutboxMessage:
    """One message of the user's, else 404 (another center's message is not said to exist)."""
    message = outbox_for_staff(user=user).filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


# --- filtering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxFilters:
    """What the desk's form chose; empty means any. Days are Tehran calendar days."""

    status: str = ""
    channel: str = ""
    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def default_start(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(TEHRAN).date() - dt.timedelta(days=DEFAULT_DAYS - 1)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TEHRAN)


def _in_period(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    period = Q()
    if start is not None:
        period &= Q(**{f"{field}__gte": _day_start(start)})
    if end is not None:
        period &= Q(**{f"{field}__lt": _day_start(end + dt.timedelta(days=1))})
    return period


def _chosen(messages: QuerySet[OutboxMessage], filters: OutboxFilters) -> QuerySet[OutboxMessage]:
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    if filters.kind:
        messages = messages.filter(kind=filters.kind)
    return messages


def outbox_list(*, user: User, filters: OutboxFilters) -> QuerySet[OutboxMessage]:
    """The user's messages queued in the period (by the day they were queued), newest first."""
    return _chosen(outbox_for_staff(user=user), filters).filter(
        _in_period("created_at", filters.start, filters.end)
    )


def outbox_kinds(*, user: User) -> list[str]:
    """The kinds a filter may choose: the catalogue's and any older one found in the outbox."""
    found = set(outbox_for_staff(user=user).values_list("kind", flat=True).distinct())
    return sorted(found | set(CATALOGUE), key=lambda kind: (kind_label(kind), kind))


# The kinds the outbox held before the catalogue (issue 12): their rows keep these names, so
# the desk keeps a word for each; a kind registered in the catalogue takes its title instead.
EARLIER_KINDS = {
    "otp": _("Sign-in code"),
    "schedule_change": _("Schedule changed"),
    "offering_change": _("Class changed"),
    "waiting_list_offer": _("Waiting-list seat offered"),
    "enrollment_confirmed": _("Registration confirmed"),
    "enrollment_paid": _("Registration paid"),
    "payment_kept_in_wallet": _("Payment kept in the wallet"),
    "enrollment_dropped": _("Place dropped"),
    "enrollment_switched": _("Place switched"),
    "enrollment_cancelled_by_center": _("Place cancelled by the center"),
    "quorum_cancelled": _("Class cancelled below quorum"),
    "offering_cancelled": _("Class cancelled by the center"),
    "session_cancelled": _("Session cancelled"),
    "makeup_scheduled": _("Make-up session scheduled"),
    "wallet_topped_up": _("Wallet topped up"),
    "refund_requested": _("Refund requested"),
    "refund_rejected": _("Refund rejected"),
    "refund_paid": _("Refund paid"),
    "document_approved": _("Document approved"),
    "document_rejected": _("Document rejected"),
    "learner_link": _("Second guardian"),
    "family_message": _("Message from the center"),
}


def kind_label(kind: str) -> str:
    """A kind as staff read it: the catalogue's title (its blanks as «…»), else the word kept
    for an earlier kind, else its key."""
    registered = CATALOGUE.get(kind)
    if registered is None:
        return str(EARLIER_KINDS.get(kind, kind))
    title = str(registered.title)
    while "{" in title and "}" in title[title.index("{") :]:
        start = title.index("{")
        title = title[:start] + "…" + title[title.index("}", start) + 1 :]
    return title


# --- counts and spend, grouped in the database ---------------------------------------------


@dataclass(frozen=True)
class CountRow:
    day: dt.date
    channel: str
    kind: str
    total: int
    pending: int
    sent: int
    delivered: int
    failed: int
    cancelled: int


def _by_status(status: str) -> Count:
    return Count("id", filter=Q(status=status))


def outbox_counts(*, user: User, filters: OutboxFilters) -> list[CountRow]:
    """Messages queued per Tehran day × channel × kind, with how many are in each state;
    one GROUP BY in the database, newest day first."""
    rows = (
        outbox_list(user=user, filters=filters)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=TEHRAN))
        .values("day", "channel", "kind")
        .annotate(
            total=Count("id"),
            pending=_by_status(OutboxStatus.PENDING),
            sent=_by_status(OutboxStatus.SENT),
            delivered=_by_status(OutboxStatus.DELIVERED),
            failed=_by_status(OutboxStatus.FAILED),
            cancelled=_by_status(OutboxStatus.CANCELLED),
        )
        .order_by("-day", "channel", "kind")
    )
    return [CountRow(**row) for row in rows]


@dataclass(frozen=True)
class SpendRow:
    """SMS handed to a provider in a day or a month: how many, their parts and their price."""

    messages: int
    parts: int
    cost_rials: int


def _spend_by_day(*, user: User, filters: OutboxFilters) -> list[tuple[dt.date, int, int, int]]:
    rows = (
        _chosen(outbox_for_staff(user=user), filters)
        .filter(channel=Channel.SMS, sent_at__isnull=False)
        .filter(_in_period("sent_at", filters.start, filters.end))
        .order_by()
        .annotate(day=TruncDate("sent_at", tzinfo=TEHRAN))
        .values("day")
        .annotate(
            messages=Count("id"),
            parts=Coalesce(Sum("parts"), 0),
            cost=Coalesce(Sum("cost_rials"), 0),
        )
        .order_by("-day")
    )
    return [(row["day"], row["messages"], row["parts"], row["cost"]) for row in rows]


def month_label(year: int, month: int) -> str:
    """«آذر ۱۴۰۵» (or "Azar 1405" in English)."""
    persian = (translation.get_language() or "fa").startswith("fa")
    names = JALALI_MONTHS_FA if persian else JALALI_MONTHS_EN
    return localize_digits(f"{names[month - 1]} {year}")


@dataclass(frozen=True)
class Spend:
    days: list[tuple[dt.date, SpendRow]]
    months: list[tuple[tuple[int, int], SpendRow]]
    total: SpendRow


def sms_spend(*, user: User, filters: OutboxFilters) -> Spend:
    """The SMS spend by the day it was sent (Tehran) and by Jalali month: the database sums
    each day; the days are then added into their Jalali months (which Gregorian dates do not
    follow). A channel other than SMS chosen in the filter leaves nothing to spend."""
    if filters.channel and filters.channel != Channel.SMS:
        days = []
    else:
        days = _spend_by_day(user=user, filters=filters)
    months: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, messages, parts, cost in days:
        j = to_jalali(day)
        month = months[(j.year, j.month)]
        month[0] += messages
        month[1] += parts
        month[2] += cost
    total = [sum(column) for column in zip(*(row[1:] for row in days), strict=True)] or [0, 0, 0]
    return Spend(
        days=[(day, SpendRow(messages, parts, cost)) for day, messages, parts, cost in days],
        months=[(key, SpendRow(*months[key])) for key in sorted(months, reverse=True)],
        total=SpendRow(*total),
    )


# --- one message -----------------------------------------------------------------------------


def mask_recipient(message: OutboxMessage) -> str:
    """A number as the roster shows it (0912***4567); an address as pa***@example.com."""
    if message.channel == Channel.EMAIL:
        local, _at, domain = message.recipient.partition("@")
        return f"{local[:2]}***@{domain}" if domain else "***"
    return mask_mobile(message.recipient)


def body_hidden(message: OutboxMessage) -> bool:
    """Sign-in codes are never shown on the desk, sent or not: a code still waiting would
    let whoever reads it sign in as the family."""
    return message.redact_after_send


def resend_history(*, message: OutboxMessage) -> QuerySet[AuditLogEntry]:
    """The message's resends, oldest first, with who asked and what had failed before."""
    return (
        AuditLogEntry.objects.filter(
            action=RESEND_ACTION,
            object_type="notifications.outboxmessage",
            object_id=str(message.pk),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
