"""Reminders 24 hours and 1 hour before each session: written ahead as outbox rows, moved and withdrawn with their session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kargah.catalog.models import Session, SessionStatus
from kargah.core.persian import (
    format_jalali_date,
    format_tehran_time,
    format_weekday,
    to_tehran,
)
from kargah.devicecheck.selectors import device_checks_for_learners
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.notifications.catalogue import (
    REMINDER_1H,
    REMINDER_24H,
    MessageKind,
    RenderedMessage,
    render,
)
from kargah.notifications.models import (
    Channel,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)

# Which reminder, and how long before the start it is due.
LEADS: dict[str, tuple[MessageKind, dt.timedelta]] = {
    "24h": (REMINDER_24H, dt.timedelta(hours=24)),
    "1h": (REMINDER_1H, dt.timedelta(hours=1)),
}
REMINDER_KINDS = tuple(kind.key for kind, _lead in LEADS.values())
# No SMS in these Tehran hours (issue 12, item 3): [22:00, 08:00).
QUIET_FROM, QUIET_UNTIL = 22, 8
# Rows written per INSERT; large offerings and the benchmark write tens of thousands.
BATCH = 2000

_lazy_str = lazy(lambda function, value: function(value), str)


def in_quiet_hours(moment: dt.datetime) -> bool:
    hour = to_tehran(moment).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def _morning_after(moment: dt.datetime) -> dt.datetime:
    """The end of the quiet hours `moment` falls in (08:00 Tehran of that night's morning)."""
    local = to_tehran(moment)
    morning = local.replace(hour=QUIET_UNTIL, minute=0, second=0, microsecond=0)
    if local.hour >= QUIET_FROM:
        morning += dt.timedelta(days=1)
    return morning


def reminder_key(
    *, session_id: int, enrollment_id: int, starts_at: dt.datetime, which: str, channel: str
) -> str:
    """The event key of one reminder: the session at this start time, for this place. A
    reschedule makes a new event (a reminder of the new time is due even if the old one went)."""
    epoch = int(starts_at.timestamp())
    return f"reminder:{session_id}:{enrollment_id}:{epoch}:{which}:{channel}"


def _parse_key(key: str) -> tuple[int, str, str]:
    """(enrollment id, which, channel) of a reminder key."""
    _prefix, _session, enrollment, _epoch, which, channel = key.split(":")
    return int(enrollment), which, channel


def _site_url(path: str) -> str:
    return f"{str(getattr(settings, 'KARGAH_SITE_URL', '') or '').rstrip('/')}{path}"


def join_url(session_id: int) -> str:
    return _site_url(reverse("classroom:join", args=[session_id]))


@dataclass
class _Planned:
    """What the writer would write for one session now: outbox rows by event key."""

    outbox: dict[str, OutboxMessage]


def _channels(
    preferences: dict[tuple[int, str], NotificationPreference], user: Any, kind: MessageKind
) -> set[str]:
    """`services.channels_for` for many people at once (their preferences read in one query)."""
    preference = preferences.get((user.pk, kind.key))
    if preference is None:
        chosen = {str(channel) for channel in kind.default_channels}
    else:
        chosen = {
            str(channel)
            for channel, on in (
                (Channel.SMS, preference.sms),
                (Channel.EMAIL, preference.email),
                (Channel.INBOX, preference.inbox),
            )
            if on
        }
    if not user.mobile:
        chosen.discard(Channel.SMS)
    if not user.email:
        chosen.discard(Channel.EMAIL)
    return chosen


def _context(
    session: Session, enrollment: Enrollment, *, nudge: bool, quiet_note: bool
) -> dict[str, Any]:
    """The values of a reminder's template; dates and digits follow the message's language
    (they are lazy: `render` resolves them under the reader's language)."""
    starts = session.starts_at
    device_check: str | Promise = ""
    if nudge:
        device_check = format_lazy(
            "\n{}",
            format_lazy(
                _("The device check has not been passed yet; run it before the class: {url}"),
                url=_site_url(reverse("devicecheck:check")),
            ),
        )
    note: str | Promise = ""
    if quiet_note:
        note = format_lazy(
            "\n{}",
            _("The class starts early: there is no SMS one hour before (no SMS 22:00–08:00)."),
        )
    return {
        "learner": enrollment.learner.first_name,
        "course": session.offering.course.title,
        "weekday": _lazy_str(format_weekday, starts),
        "date": _lazy_str(lambda value: format_jalali_date(value, long=True), starts),
        "time": _lazy_str(format_tehran_time, starts),
        "join_url": join_url(session.pk),
        "device_check": device_check,
        "quiet_note": note,
    }


def _plan(pairs: Sequence[tuple[Session, Enrollment]], now: dt.datetime) -> _Planned:
    """Every reminder still due for these (session, place) pairs, rendered in each
    guardian's language, by the channels each guardian chose for the kind."""
    planned = _Planned(outbox={})
    if not pairs:
        return planned
    guardians = {enrollment.family.guardian_id for _s, enrollment in pairs}
    preferences = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in=guardians, kind__in=REMINDER_KINDS
        )
    }
    checks = device_checks_for_learners({enrollment.learner_id for _s, enrollment in pairs})
    valid_for = dt.timedelta(days=settings.KARGAH_DEVICE_CHECK_VALID_DAYS)
    texts: dict[tuple[object, ...], RenderedMessage] = {}
    links: dict[int, str] = {}
    for session, enrollment in pairs:
        link = links.get(session.pk) or links.setdefault(session.pk, join_url(session.pk))
        guardian = enrollment.family.guardian
        language = guardian.language or "fa"
        check = checks.get(enrollment.learner_id)
        # Still valid when the class starts, or the reminder says to run it.
        nudge = not (check and check.passed and check.checked_at + valid_for >= session.starts_at)
        early = in_quiet_hours(session.starts_at - LEADS["1h"][1])
        for which, (kind, lead) in LEADS.items():
            due = session.starts_at - lead
            if due <= now:
                continue  # its time has passed (a late registration or a late change)
            channels = _channels(preferences, guardian, kind)
            quiet_note = which == "24h" and early and Channel.SMS in channels
            # A class's reminders differ only by these: each text is rendered once.
            text = (
                kind.key,
                session.pk,
                language,
                enrollment.learner.first_name,
                nudge,
                quiet_note,
            )
            rendered = texts.get(text)
            if rendered is None:
                context = _context(session, enrollment, nudge=nudge, quiet_note=quiet_note)
                rendered = texts[text] = render(kind, context, language)
            for channel in sorted(channels):
                key = reminder_key(
                    session_id=session.pk,
                    enrollment_id=enrollment.pk,
                    starts_at=session.starts_at,
                    which=which,
                    channel=channel,
                )
                send_at = due
                if channel == Channel.SMS and in_quiet_hours(due):
                    if which == "1h":
                        continue  # it would arrive after the class began; the inbox has it
                    send_at = _morning_after(due)
                # The inbox copy waits in the outbox too and becomes an inbox item when due
                # (kargah.notifications.delivery), so it moves and goes with the others.
                planned.outbox[key] = OutboxMessage(
                    channel=channel,
                    recipient=(
                        guardian.mobile
                        if channel == Channel.SMS
                        else guardian.email
                        if channel == Channel.EMAIL
                        else ""
                    )
                    or "",
                    link=link,
                    user=guardian,
                    subject=rendered.title,
                    body=rendered.body,
                    language=language,
                    kind=kind.key,
                    dedupe_key=key,
                    session=session,
                    next_attempt_at=send_at,
                )
    return planned


def _write(planned: _Planned) -> int:
    """Writes what is not written yet; an event key already present is left as it is."""
    written = OutboxMessage.objects.bulk_create(
        list(planned.outbox.values()), batch_size=BATCH, ignore_conflicts=True
    )
    return len(written)


def _confirmed(offering_ids: Iterable[int]) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(
            offering_id__in=list(offering_ids), status=EnrollmentStatus.CONFIRMED
        ).select_related("learner", "family__guardian")
    )


def _upcoming_sessions(offering_ids: Iterable[int], now: dt.datetime) -> list[Session]:
    return list(
        Session.objects.filter(
            offering_id__in=list(offering_ids),
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
        ).select_related("offering__course")
    )


# --- what the other apps call ------------------------------------------------------------


def reminders_for_enrollments(
    enrollment_ids: Iterable[int], *, now: dt.datetime | None = None
) -> int:
    """Writes the reminders of every upcoming session for these confirmed places (a
    confirmation, the demo, the benchmark). Returns how many outbox rows were offered (a
    key already written is skipped by the database)."""
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(
            pk__in=list(enrollment_ids), status=EnrollmentStatus.CONFIRMED
        ).select_related("learner", "family__guardian")
    )
    sessions: dict[int, list[Session]] = {}
    for session in _upcoming_sessions({e.offering_id for e in enrollments}, now):
        sessions.setdefault(session.offering_id, []).append(session)
    pairs = [(s, e) for e in enrollments for s in sessions.get(e.offering_id, [])]
    return _write(_plan(pairs, now))


def reminders_for_session(session: Session, *, now: dt.datetime | None = None) -> int:
    """Writes the reminders of a new session (a make-up) for its class's confirmed places."""
    now = now or timezone.now()
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return 0
    pairs = [(session, e) for e in _confirmed([session.offering_id])]
    return _write(_plan(pairs, now))


def _withdraw(rows: Any) -> int:
    """Withdraws pending reminders; their event keys are freed (a withdrawn message never
    went out), so the same session and place may be reminded again later."""
    return int(
        rows.filter(status=OutboxStatus.PENDING).update(
            status=OutboxStatus.CANCELLED,
            dedupe_key=Concat(
                F("dedupe_key"), Value("~withdrawn:"), Cast("pk", output_field=CharField())
            ),
        )
    )


def _keys(session: Session, enrollment_ids: Iterable[int], channels: Iterable[str]) -> list[str]:
    return [
        reminder_key(
            session_id=session.pk,
            enrollment_id=eid,
            starts_at=session.starts_at,
            which=which,
            channel=channel,
        )
        for eid in enrollment_ids
        for which in LEADS
        for channel in channels
    ]


def reminders_session_moved(session: Session, *, now: dt.datetime | None = None) -> int:
    """Moves a rescheduled session's pending reminders, in the caller's transaction: new
    due time, text and event key; those whose new time has passed (or whose SMS would fall
    in the quiet hours) are withdrawn; the ones missing for the new time are written.
    Returns how many rows moved."""
    now = now or timezone.now()
    enrollments = _confirmed([session.offering_id])
    planned = _plan([(session, e) for e in enrollments], now)
    pending = list(
        OutboxMessage.objects.select_for_update()
        .filter(session=session, kind__in=REMINDER_KINDS, status=OutboxStatus.PENDING)
        .order_by("pk")
    )
    targets: dict[int, str] = {}
    for row in pending:
        enrollment_id, which, channel = _parse_key(row.dedupe_key)
        targets[row.pk] = reminder_key(
            session_id=session.pk,
            enrollment_id=enrollment_id,
            starts_at=session.starts_at,
            which=which,
            channel=channel,
        )
    taken = set(
        OutboxMessage.objects.filter(dedupe_key__in=list(targets.values()))
        .exclude(pk__in=list(targets))
        .values_list("dedupe_key", flat=True)
    )
    moved, gone = [], []
    for row in pending:
        fresh = planned.outbox.pop(targets[row.pk], None)
        if fresh is None or targets[row.pk] in taken:
            gone.append(row.pk)
            continue
        row.next_attempt_at, row.dedupe_key = fresh.next_attempt_at, fresh.dedupe_key
        row.subject, row.body, row.recipient = fresh.subject, fresh.body, fresh.recipient
        moved.append(row)
    _withdraw(OutboxMessage.objects.filter(pk__in=gone))
    OutboxMessage.objects.bulk_update(
        moved, ["next_attempt_at", "dedupe_key", "subject", "body", "recipient"], batch_size=BATCH
    )
    _write(planned)
    return len(moved)


def reminders_session_cancelled(session: Session) -> int:
    """Withdraws a cancelled session's reminders (its make-up gets its own)."""
    return _withdraw(OutboxMessage.objects.filter(session=session, kind__in=REMINDER_KINDS))


def reminders_enrollment_ended(enrollment: Enrollment, *, now: dt.datetime | None = None) -> int:
    """Withdraws the reminders of a place that is no longer confirmed (dropped, cancelled,
    switched to another class)."""
    now = now or timezone.now()
    sessions = _upcoming_sessions([enrollment.offering_id], now)
    outbox_keys = [
        k
        for s in sessions
        for k in _keys(s, [enrollment.pk], [Channel.SMS, Channel.EMAIL, Channel.INBOX])
    ]
    return _withdraw(OutboxMessage.objects.filter(dedupe_key__in=outbox_keys))


def enrollment_saved(sender: Any, instance: Enrollment, **kwargs: Any) -> None:
    """post_save of an enrollment: a confirmed place gets its reminders (once, however
    often it is saved); a place that ended loses the pending ones. Connected in apps.py, so
    every path that confirms or ends a place is covered without a call in each."""
    if kwargs.get("raw"):
        return  # fixtures
    fields = kwargs.get("update_fields")
    if fields is not None and "status" not in fields:
        return  # the status did not change
    if instance.status == EnrollmentStatus.CONFIRMED:
        reminders_for_enrollments([instance.pk])
    elif instance.status in (
        EnrollmentStatus.DROPPED,
        EnrollmentStatus.CANCELLED,
        EnrollmentStatus.SWITCHED,
    ):
        reminders_enrollment_ended(instance)
