"""Writes of the catalog: courses and offerings, session generation, publishing,
rescheduling, and the holiday calendar (P1, P4; DOMAIN rules 1 and 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import holidays as holiday_data
import jdatetime
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kargah.accounts.models import Center, Province, Role, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog import official_calendar, schedule
from kargah.catalog.cache import catalog_changed
from kargah.catalog.models import (
    OFFERING_TRANSITIONS,
    AgeGroup,
    Category,
    Course,
    CourseConditions,
    Holiday,
    HolidaySource,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
    Term,
    TimeOfDay,
)
from kargah.catalog.selectors import (
    closed_days,
    sessions_near_estimated_holidays,
    sessions_on_closed_day,
)
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.locks import lock_keys
from kargah.core.persian import (
    RIALS_PER_TOMAN,
    format_jalali_date,
    format_jalali_datetime,
    search_key,
    to_persian_digits,
    to_tehran,
)
from kargah.core.services import audit_record, snapshot
from kargah.notifications.catalogue import When
from kargah.notifications.reminders import reminders_session_moved
from kargah.notifications.services import notify

OFFERING_AUDIT_FIELDS = [
    "status", "capacity", "quorum", "fee_rials", "registration_opens_at",
    "registration_closes_at", "weekly_pattern", "first_date", "min_age", "max_age",
]  # fmt: skip
ESTIMATE_SUFFIX = " (تخمینی)"


# --- permissions -----------------------------------------------------------------------


def _check_manages(actor: User, center: Center) -> None:
    """Only the center's own staff (or an administrator) build its catalog."""
    if actor.role not in (Role.CENTER_STAFF, Role.ADMINISTRATOR) and not actor.is_superuser:
        raise NotAllowed(_("Only center staff can change the catalog."))
    if not center_list_for_staff(user=actor).filter(pk=center.pk).exists():
        raise NotAllowed(_("You can only manage the offerings of your own center."))


def check_certificate_percent(percent: int) -> None:
    """The attendance a certificate of completion needs is a share: 0 to 100 %."""
    if not 0 <= percent <= 100:
        raise DomainError(
            _("The attendance for a certificate is a percentage from 0 to 100."),
            code="certificate_percent",
        )


def _transition(offering: Offering, new_status: str) -> None:
    if new_status not in OFFERING_TRANSITIONS[offering.status]:
        raise DomainError(
            _("An offering that is %(status)s cannot become %(new)s.")
            % {
                "status": offering.get_status_display(),
                "new": OfferingStatus(new_status).label,
            },
            code="bad_transition",
        )
    offering.status = new_status


# --- courses ---------------------------------------------------------------------------


def course_create(
    *,
    actor: User,
    center: Center,
    category: Category,
    age_group: AgeGroup,
    title: str,
    description: str,
    session_count: int,
    session_minutes: int,
    conditions_text: str,
    syllabus: str = "",
    required_documents: Sequence[str] = (),
    confirmation_waits_for_documents: bool = False,
    certificate_attendance_percent: int = 75,
) -> Course:
    """A course with the first version of its conditions."""
    _check_manages(actor, center)
    if session_count < 1 or session_minutes < 15:
        raise DomainError(
            _("A course has at least one session of at least 15 minutes."), code="course"
        )
    check_certificate_percent(certificate_attendance_percent)
    with transaction.atomic():
        course = Course.objects.create(
            center=center,
            category=category,
            age_group=age_group,
            title=title.strip(),
            description=description.strip(),
            syllabus=syllabus.strip(),
            session_count=session_count,
            session_minutes=session_minutes,
            required_documents=[d.strip() for d in required_documents if d.strip()],
            confirmation_waits_for_documents=confirmation_waits_for_documents
            and any(d.strip() for d in required_documents),
            certificate_attendance_percent=certificate_attendance_percent,
        )
        if conditions_text.strip():
            CourseConditions.objects.create(course=course, version=1, text=conditions_text.strip())
        audit_record(
            actor=actor, action="course.created", obj=course, after={"title": course.title}
        )
    return course


def course_conditions_update(*, actor: User, course: Course, text: str) -> CourseConditions:
    """A new version of the conditions; earlier acceptances keep the version they saw (R2)."""
    _check_manages(actor, course.center)
    if not text.strip():
        raise DomainError(_("The conditions text is empty."), code="conditions")
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        latest = course.conditions.aggregate(v=Max("version"))["v"] or 0
        conditions = CourseConditions.objects.create(
            course=course, version=latest + 1, text=text.strip()
        )
        audit_record(
            actor=actor,
            action="course.conditions_updated",
            obj=course,
            after={"version": conditions.version},
        )
    return conditions


def current_conditions(course: Course) -> CourseConditions | None:
    return course.conditions.order_by("-version").first()


# --- offerings -------------------------------------------------------------------------


def _derive_filter_fields(offering: Offering) -> None:
    try:
        slots = schedule.parse_pattern(offering.weekly_pattern)
    except DomainError:
        slots = []
    offering.weekday_mask = sum({1 << slot.weekday for slot in slots})
    earliest = min((slot.start for slot in slots), default=None)
    if earliest is None:
        offering.time_of_day = ""
    elif earliest < dt.time(12, 0):
        offering.time_of_day = TimeOfDay.MORNING
    elif earliest < dt.time(17, 0):
        offering.time_of_day = TimeOfDay.AFTERNOON
    else:
        offering.time_of_day = TimeOfDay.EVENING
    course = offering.course
    offering.search_text = search_key(f"{course.title} {course.description}")


def check_offering_fields(
    *,
    course: Course,
    term: Term,
    instructors: list[User],
    capacity: int,
    quorum: int,
    fee_rials: int | None,
) -> None:
    """What an offering of `course` must be, created or edited as a draft: a term and
    instructors of the course's center, a term still open, a quorum within the capacity, a fee
    in whole Toman."""
    if term.center_id != course.center_id:
        raise DomainError(_("The term belongs to another center."), code="term")
    if term.closed_at is not None:
        raise DomainError(_("The term is closed: it takes no new offerings."), code="term_closed")
    for person in instructors:
        if person.role != Role.INSTRUCTOR or person.center_id != course.center_id:
            raise DomainError(
                _("%(name)s is not an instructor of this center.") % {"name": person},
                code="instructor",
            )
    if not 1 <= quorum <= capacity:
        raise DomainError(
            _("Capacity must be at least the quorum, and the quorum at least one."), code="capacity"
        )
    # A fee is a whole number of Toman (issue 9): the site shows no tenth of a Toman.
    if fee_rials is not None and fee_rials % RIALS_PER_TOMAN:
        raise DomainError(
            _("A fee is a whole number of Toman: its last digit in Rials is 0."), code="fee"
        )


def offering_create(
    *,
    actor: User,
    course: Course,
    term: Term,
    instructors: Iterable[User],
    capacity: int,
    quorum: int,
    fee_rials: int | None,
    registration_opens_at: dt.datetime | None,
    registration_closes_at: dt.datetime | None,
    weekly_pattern: list[dict[str, Any]],
    first_date: dt.date | None,
    min_age: int | None = None,
    max_age: int | None = None,
    generate: bool = True,
) -> Offering:
    """A draft offering of a course at the course's center; its sessions are generated
    when the pattern and first date are given."""
    _check_manages(actor, course.center)
    instructors = list(instructors)
    check_offering_fields(
        course=course, term=term, instructors=instructors, capacity=capacity, quorum=quorum,
        fee_rials=fee_rials,
    )  # fmt: skip
    with transaction.atomic():
        offering = Offering(
            course=course,
            term=term,
            center=course.center,
            capacity=capacity,
            quorum=quorum,
            fee_rials=fee_rials,
            registration_opens_at=registration_opens_at,
            registration_closes_at=registration_closes_at,
            weekly_pattern=weekly_pattern,
            first_date=first_date,
            min_age=course.age_group.min_age if min_age is None else min_age,
            max_age=course.age_group.max_age if max_age is None else max_age,
        )
        if offering.min_age > offering.max_age:
            raise DomainError(_("The age range is not valid."), code="age")
        _derive_filter_fields(offering)
        offering.save()
        offering.instructors.set(instructors)
        audit_record(
            actor=actor, action="offering.created", obj=offering,
            after=snapshot(offering, OFFERING_AUDIT_FIELDS),
        )  # fmt: skip
        if generate and weekly_pattern and first_date:
            offering_generate_sessions(actor=actor, offering=offering)
    return offering


def offering_preview(*, offering: Offering) -> schedule.Plan:
    """The sessions the pattern would give, with the holidays it skips; writes nothing."""
    if not offering.first_date:
        raise DomainError(_("Choose the date of the first session."), code="first_date")
    end = offering.first_date + dt.timedelta(days=schedule.MAX_PLAN_DAYS)
    return schedule.plan_sessions(
        pattern=offering.weekly_pattern,
        first_date=offering.first_date,
        count=offering.course.session_count,
        minutes=offering.course.session_minutes,
        closed=closed_days(center=offering.center, start=offering.first_date, end=end),
    )


def _instructor_clashes(
    offering: Offering, times: Sequence[tuple[dt.datetime, dt.datetime]], ignore: Iterable[int] = ()
) -> list[str]:
    """For each planned time that overlaps another offering's session of one of the same
    instructors, a sentence naming both."""
    if not times:
        return []
    instructors = list(offering.instructors.all())
    if not instructors:
        return []
    others = list(
        Session.objects.filter(
            offering__instructors__in=instructors,
            starts_at__lt=max(end for _s, end in times),
            ends_at__gt=min(start for start, _e in times),
        )
        .exclude(offering=offering)
        .exclude(pk__in=list(ignore))
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(offering__status=OfferingStatus.CANCELLED)
        .select_related("offering__course")
        .prefetch_related("offering__instructors")
        .distinct()
    )
    problems = []
    for start, end in times:
        for other in others:
            if other.starts_at < end and start < other.ends_at:
                shared = [p for p in other.offering.instructors.all() if p in instructors]
                problems.append(
                    _(
                        "%(instructor)s would teach «%(this)s» on %(when)s and «%(other)s» "
                        "on %(other_when)s at the same time."
                    )
                    % {
                        "instructor": shared[0] if shared else "",
                        "this": offering.course.title,
                        "when": format_jalali_datetime(start),
                        "other": other.offering.course.title,
                        "other_when": format_jalali_datetime(other.starts_at),
                    }
                )
    return problems


def offering_generate_sessions(*, actor: User, offering: Offering) -> schedule.Plan:
    """Replaces a draft offering's sessions with the planned ones. Refuses, naming both
    classes, when an instructor would teach two sessions at once."""
    _check_manages(actor, offering.center)
    if offering.status != OfferingStatus.DRAFT:
        raise DomainError(
            _("Sessions of a published offering change only by rescheduling."), code="published"
        )
    plan = offering_preview(offering=offering)
    clashes = _instructor_clashes(offering, plan.sessions)
    if clashes:
        raise DomainError(clashes[0], code="instructor_clash", extra={"clashes": clashes})
    with transaction.atomic():
        offering.sessions.all().delete()
        Session.objects.bulk_create(
            Session(offering=offering, number=i, starts_at=start, ends_at=end)
            for i, (start, end) in enumerate(plan.sessions, start=1)
        )
        audit_record(
            actor=actor,
            action="offering.sessions_generated",
            obj=offering,
            after={
                "sessions": [start.isoformat() for start, _e in plan.sessions],
                "skipped": [day.isoformat() for day, _n in plan.skipped],
            },
        )
    return plan


def offering_publication_problems(offering: Offering) -> list[str]:
    """Everything that stops an offering from being published (P1: published whole)."""
    problems: list[str] = []
    sessions = list(offering.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at"))
    if len(sessions) != offering.course.session_count:
        problems.append(
            _("The course promises %(promised)s sessions but the offering has %(count)s.")
            % {
                "promised": to_persian_digits(offering.course.session_count),
                "count": to_persian_digits(len(sessions)),
            }
        )
    if not offering.registration_opens_at or not offering.registration_closes_at:
        problems.append(_("Set when registration opens and closes."))
    elif offering.registration_opens_at >= offering.registration_closes_at:
        problems.append(_("Registration must open before it closes."))
    elif sessions and offering.registration_closes_at > sessions[0].starts_at:
        problems.append(_("Registration must close before the first session."))
    if sessions:
        closed = closed_days(
            center=offering.center,
            start=to_tehran(sessions[0].starts_at).date(),
            end=to_tehran(sessions[-1].starts_at).date(),
        )
        for item in sessions:
            day = to_tehran(item.starts_at).date()
            if day in closed:  # P4: e.g. a holiday added while the offering was a draft
                problems.append(
                    _(
                        "A session falls on %(date)s, which is a holiday (%(name)s); generate the sessions again."
                    )
                    % {"date": format_jalali_date(day), "name": closed[day]}
                )
                break
    if not 1 <= offering.quorum <= offering.capacity:
        problems.append(_("Capacity must be at least the quorum, and the quorum at least one."))
    if offering.fee_rials is None:
        problems.append(_("Set the fee."))
    conditions = current_conditions(offering.course)
    if conditions is None or not conditions.text.strip():
        problems.append(_("The course has no conditions text."))
    if not offering.instructors.exists():
        problems.append(_("Choose at least one instructor."))
    return problems


def offering_publish(*, actor: User, offering: Offering) -> Offering:
    """Publishes a complete offering; after this its times change only by rescheduling."""
    _check_manages(actor, offering.center)
    with transaction.atomic():
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        problems = offering_publication_problems(locked)
        if problems:
            raise DomainError(problems[0], code="incomplete", extra={"problems": problems})
        before = snapshot(locked, OFFERING_AUDIT_FIELDS)
        _transition(locked, OfferingStatus.PUBLISHED)
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        catalog_changed()
        after = snapshot(locked, OFFERING_AUDIT_FIELDS)
        # On record: which sessions were published within a day of an estimated holiday.
        near = sessions_near_estimated_holidays(offering=locked)
        if near:
            after["near_estimated_holidays"] = [
                {"session": n.number, "holiday": n.holiday.name, "date": n.holiday.date.isoformat()}
                for n in near
            ]
        audit_record(
            actor=actor, action="offering.published", obj=locked, before=before, after=after
        )
    return locked


# --- rescheduling ----------------------------------------------------------------------


def _families_to_tell(offering: Offering) -> list[User]:
    """The guardians of the families with an active place (the paying family), each once."""
    from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment

    paying = Enrollment.objects.filter(offering=offering, status__in=ACTIVE_STATUSES)
    return list(User.objects.filter(pk__in=paying.values("family__guardian_id")).order_by("pk"))


def session_reschedule(
    *, actor: User | None, session: Session, starts_at: dt.datetime, reason: str
) -> Session:
    """Moves one session of a published offering to a new time. The change (old and new
    time, reason, who) goes to the audit log and every enrolled family gets an SMS
    (DOMAIN rule 1). The new day must be no holiday or closure, and the instructors free."""
    if actor is not None:
        _check_manages(actor, session.offering.center)
    if not reason.strip():
        raise DomainError(_("Give the reason for the change."), code="reason")
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    with transaction.atomic():
        lock_keys(("offering-schedule", str(session.offering_id)))
        session = (
            Session.objects.select_for_update()
            .select_related("offering__course")
            .get(pk=session.pk)
        )
        offering = session.offering
        if offering.status in (
            OfferingStatus.DRAFT,
            OfferingStatus.CANCELLED,
            OfferingStatus.FINISHED,
        ):
            raise DomainError(
                _("Only a published offering's sessions are rescheduled."), code="status"
            )
        if session.status != SessionStatus.SCHEDULED:
            raise DomainError(_("Only a scheduled session can be moved."), code="status")
        ends_at = starts_at + (session.ends_at - session.starts_at)
        day = to_tehran(starts_at).date()
        closed = closed_days(center=offering.center, start=day, end=day)
        if day in closed:
            raise DomainError(
                _("%(date)s is a holiday (%(name)s); choose another day.")
                % {"date": format_jalali_date(day), "name": closed[day]},
                code="holiday",
            )
        if (
            offering.sessions.exclude(pk=session.pk)
            .exclude(status=SessionStatus.CANCELLED)
            .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
            .exists()
        ):
            raise DomainError(
                _("Another session of this offering is at that time."), code="session_clash"
            )
        clashes = _instructor_clashes(offering, [(starts_at, ends_at)], ignore=[session.pk])
        if clashes:
            raise DomainError(clashes[0], code="instructor_clash")
        old_start, old_end = session.starts_at, session.ends_at
        session.starts_at, session.ends_at = starts_at, ends_at
        session.save(update_fields=["starts_at", "ends_at"])
        reminders_session_moved(session)
        _renumber(offering)
        catalog_changed()
        moved = audit_record(
            actor=actor,
            action="session.rescheduled",
            obj=session,
            before={
                "starts_at": to_tehran(old_start).isoformat(),
                "ends_at": to_tehran(old_end).isoformat(),
            },
            after={
                "starts_at": to_tehran(starts_at).isoformat(),
                "ends_at": to_tehran(ends_at).isoformat(),
            },
            reason=reason.strip(),
        )
        context = {
            "title": offering.course.title,
            "old": When(old_start),
            "new": When(starts_at, weekday=True),
            "reason": reason.strip(),
        }
        for guardian in _families_to_tell(offering):
            notify(
                user=guardian,
                kind="schedule_change",
                context=context,
                # Each move is one event (its audit row): told once however often it runs.
                event_key=f"session-moved:{session.pk}:{moved.pk}",
                link=reverse("catalog:detail", args=[offering.pk]),
            )
    return session


def _renumber(offering: Offering) -> None:
    sessions = list(offering.sessions.order_by("starts_at", "id"))
    for number, item in enumerate(sessions, start=1):
        item.number = number
    Session.objects.bulk_update(sessions, ["number"])


def _next_free_slot(offering: Offering, *, moving: Session) -> dt.datetime:
    """The first slot of the offering's weekly pattern after its last session that is no
    holiday and keeps the instructors free: where a session hit by a new holiday goes."""
    slots = schedule.parse_pattern(offering.weekly_pattern)
    last = offering.sessions.exclude(status=SessionStatus.CANCELLED).aggregate(m=Max("starts_at"))[
        "m"
    ]
    from_day = to_tehran(last).date()
    closed = closed_days(
        center=offering.center,
        start=from_day,
        end=from_day + dt.timedelta(days=schedule.MAX_PLAN_DAYS),
    )
    length = moving.ends_at - moving.starts_at
    for day, start in schedule.pattern_slots_from(from_day, slots):
        begins = schedule.tehran_datetime(day, start)
        if day in closed or begins <= last:
            continue
        if not _instructor_clashes(offering, [(begins, begins + length)], ignore=[moving.pk]):
            return begins
    raise DomainError(_("No free slot was found for the session."), code="no_slot")


# --- holidays --------------------------------------------------------------------------


def _jalali_year_bounds(jalali_year: int) -> tuple[dt.date, dt.date]:
    first = jdatetime.date(jalali_year, 1, 1).togregorian()
    last = jdatetime.date(jalali_year + 1, 1, 1).togregorian() - dt.timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class OfficialRow:
    """One official holiday to apply: from the shipped calendar, the package or an import."""

    date: dt.date
    name: str
    key: str
    reference: str
    is_estimate: bool = False


def _package_rows(jalali_year: int) -> list[OfficialRow]:
    """The `holidays` package's holidays of a Jalali year (IR, Persian names). Its lunar
    dates are only estimates until the Calendar Center publishes the year."""
    first, last = _jalali_year_bounds(jalali_year)
    data = holiday_data.country_holidays(
        "IR", years=sorted({first.year, last.year}), language="fa_IR"
    )
    rows = []
    for day, names in sorted(data.items()):
        if not first <= day <= last:
            continue
        for name in str(names).split("; "):
            clean = name.removesuffix(ESTIMATE_SUFFIX).strip()
            key = official_calendar.key_for(clean, day)
            estimate = name.endswith(ESTIMATE_SUFFIX) or official_calendar.is_lunar(key)
            reference = f"holidays {holiday_data.__version__} (IR)"
            rows.append(OfficialRow(day, clean, key, reference, is_estimate=estimate))
    return rows


def holiday_sync_official(*, jalali_year: int, actor: User | None = None) -> int:
    """Loads the official holidays of a Jalali year (P4). A year whose official calendar is
    shipped (`official_calendar`, the Calendar Center's dates) gets those rows, each with
    its source, plus any closure the government declared that the package records; an
    estimate of the same holiday moves to the official date and the sessions that date hits
    move through the holiday-added path. A year not published yet gets the `holidays`
    package's rows, lunar ones marked as estimates. A holiday staff removed stays removed;
    one staff moved stays where they put it. Returns how many rows were added."""
    if jalali_year in official_calendar.published_years():
        rows = [
            OfficialRow(row.date, row.name, row.key, row.source)
            for row in official_calendar.shipped_for_year(jalali_year)
        ]
        rows += [row for row in _package_rows(jalali_year) if not row.key]
        created = 0
        with transaction.atomic():
            for row in rows:
                _holiday, was_created, _moved = _official_holiday_apply(
                    row,
                    same=_same_official_holiday(row),
                    actor=actor,
                    reason=_("the official calendar"),
                )
                created += int(was_created)
        return created
    created = 0
    with transaction.atomic():
        for row in _package_rows(jalali_year):
            if Holiday.objects.filter(package_date=row.date, name=row.name).exists():
                continue  # synced before (perhaps moved or removed since)
            if _same_official_holiday(row) is not None:
                continue  # its date is known already: imported, or added by hand
            Holiday.objects.create(
                date=row.date,
                package_date=row.date,
                name=row.name,
                source=HolidaySource.OFFICIAL,
                is_estimate=row.is_estimate,
                jalali_year=jalali_year,
                key=row.key,
                reference=row.reference,
            )
            created += 1
    return created


def _same_official_holiday(row: OfficialRow) -> Holiday | None:
    """The national official row that is this holiday: the same rule within a few weeks (an
    estimate and its official date), or, for a holiday of no rule, the same name and day."""
    national = Holiday.objects.select_for_update().filter(
        source=HolidaySource.OFFICIAL, province__isnull=True, center__isnull=True
    )
    if not row.key:
        return national.filter(name=row.name, date=row.date).order_by("pk").first()
    near = official_calendar.SAME_HOLIDAY_WITHIN
    candidates = national.filter(key=row.key, date__range=(row.date - near, row.date + near))
    return min(candidates, key=lambda h: (abs((h.date - row.date).days), h.pk), default=None)


def _replaceable(holiday: Holiday) -> bool:
    """Whether an official date replaces this row's: an estimate, or the package's date as
    the package gave it (even one it calls confirmed: the package is not the official
    calendar). A date staff moved, one imported or shipped, stays."""
    if holiday.is_estimate:
        return True
    return holiday.package_date is not None and holiday.date == holiday.package_date


def _official_holiday_apply(
    row: OfficialRow, *, same: Holiday | None, actor: User | None, reason: str
) -> tuple[Holiday, bool, list[Session]]:
    """Puts one official holiday in the calendar, in the caller's transaction: a new row,
    or the estimate of the same holiday moved to the official date. Published sessions the
    date hits move to their offering's next free slot (the holiday-added path: audit row and
    SMS to each enrolled family). `same` is `_same_official_holiday(row)`, read (and locked)
    by the caller. Returns the row, whether it was added, the moved sessions."""
    year = jdatetime.date.fromgregorian(date=row.date).year
    if same is None:
        holiday = Holiday.objects.create(
            date=row.date,
            name=row.name,
            source=HolidaySource.OFFICIAL,
            is_estimate=row.is_estimate,
            jalali_year=year,
            key=row.key,
            reference=row.reference,
        )
        audit_record(
            actor=actor, action="holiday.added", obj=holiday,
            after={"date": row.date.isoformat(), "name": holiday.name,
                   "source": holiday.source, "reference": row.reference},
        )  # fmt: skip
        return holiday, True, _move_sessions_off(holiday, actor=actor, reason="")
    if same.is_removed or not _replaceable(same):
        return same, False, []  # staff removed it, or its date is already confirmed
    before = {
        "date": same.date.isoformat(), "is_estimate": same.is_estimate,
        "reference": same.reference,
    }  # fmt: skip
    same.date, same.is_estimate, same.jalali_year = row.date, row.is_estimate, year
    same.reference = row.reference
    same.save(update_fields=["date", "is_estimate", "jalali_year", "reference"])
    audit_record(
        actor=actor,
        action="holiday.moved" if before["date"] != row.date.isoformat() else "holiday.confirmed",
        obj=same, before=before,
        after={"date": row.date.isoformat(), "is_estimate": row.is_estimate,
               "reference": row.reference},
        reason=reason,
    )  # fmt: skip
    return same, False, _move_sessions_off(same, actor=actor, reason="")


@dataclass
class HolidayImportOutcome:
    added: list[Holiday]
    replaced: list[Holiday]  # estimates moved to (or confirmed on) their official date
    moved: list[Session]


def holiday_import_official(
    *, actor: User | None, rows: Sequence[OfficialRow]
) -> HolidayImportOutcome:
    """Imports a newly published official list (administrators; `None` is the operator's
    command), all or nothing: each row is added, or replaces the estimate of the same
    holiday, and every published session it hits moves through the holiday-added path
    (audit row and an SMS to each enrolled family). A holiday staff removed stays removed.
    Refuses, naming the row (`extra["index"]`), a holiday whose confirmed date differs."""
    if actor is not None and not actor.is_administrator:
        raise NotAllowed(_("Only an administrator changes the official holidays."))
    outcome = HolidayImportOutcome(added=[], replaced=[], moved=[])
    with transaction.atomic():
        for index, row in enumerate(rows):
            same = _same_official_holiday(row)
            if same is not None and not (same.is_removed or _replaceable(same)):
                if same.date != row.date:
                    raise DomainError(
                        _(
                            "«%(name)s» is already in the calendar on %(date)s, not as an "
                            "estimate; if the official date differs, move it on the holidays "
                            "page."
                        )
                        % {"name": same.name, "date": format_jalali_date(same.date)},
                        code="conflict",
                        extra={"index": index},
                    )
                continue  # already there
            replaces = same is not None and not same.is_removed
            holiday, created, moved = _official_holiday_apply(
                row, same=same, actor=actor, reason=_("an imported official list")
            )
            if created:
                outcome.added.append(holiday)
            elif replaces:
                outcome.replaced.append(holiday)
            outcome.moved += moved
    return outcome


def holiday_add(
    *,
    actor: User,
    date: dt.date,
    name: str,
    center: Center | None = None,
    province: Province | None = None,
    reason: str = "",
) -> tuple[Holiday, list[Session]]:
    """Adds an official holiday (national, or of one province; administrators) or a
    center's closure (its staff). Sessions already published on that day are moved, through
    the reschedule service, to the offering's next free slot. Returns the moved sessions."""
    if center is not None:
        _check_manages(actor, center)
        source = HolidaySource.CENTER
    else:
        if not actor.is_administrator:
            raise NotAllowed(_("Only an administrator changes the official holidays."))
        source = HolidaySource.OFFICIAL
    if not name.strip():
        raise DomainError(_("Give the holiday a name."), code="name")
    with transaction.atomic():
        holiday = Holiday.objects.create(
            date=date,
            name=name.strip(),
            source=source,
            center=center,
            province=province if center is None else None,
            jalali_year=jdatetime.date.fromgregorian(date=date).year,
        )
        audit_record(
            actor=actor, action="holiday.added", obj=holiday,
            after={"date": date.isoformat(), "name": holiday.name, "source": source},
        )  # fmt: skip
        moved = _move_sessions_off(holiday, actor=actor, reason=reason)
    return holiday, moved


def _move_sessions_off(holiday: Holiday, *, actor: User | None, reason: str) -> list[Session]:
    moved = []
    why = reason.strip() or _("%(name)s is a holiday") % {"name": holiday.name}
    for session in sessions_on_closed_day(holiday=holiday):
        if session.offering.status == OfferingStatus.DRAFT:
            continue  # a draft is simply generated again
        # The slot is chosen under the same lock the reschedule takes, so two holidays
        # added at once cannot move two sessions of one offering onto one slot.
        lock_keys(("offering-schedule", str(session.offering_id)))
        new_start = _next_free_slot(session.offering, moving=session)
        moved.append(
            session_reschedule(actor=actor, session=session, starts_at=new_start, reason=why)
        )
    return moved


def holiday_move(*, actor: User, holiday: Holiday, date: dt.date) -> tuple[Holiday, list[Session]]:
    """Moves a holiday to its announced date (lunar holidays are estimates until then)."""
    if holiday.source == HolidaySource.OFFICIAL and not actor.is_administrator:
        raise NotAllowed(_("Only an administrator changes the official holidays."))
    if holiday.center is not None:
        _check_manages(actor, holiday.center)
    with transaction.atomic():
        before = {"date": holiday.date.isoformat()}
        holiday.date = date
        holiday.is_estimate = False
        holiday.jalali_year = jdatetime.date.fromgregorian(date=date).year
        holiday.save(update_fields=["date", "is_estimate", "jalali_year"])
        audit_record(
            actor=actor,
            action="holiday.moved",
            obj=holiday,
            before=before,
            after={"date": date.isoformat()},
        )
        moved = _move_sessions_off(holiday, actor=actor, reason="")
    return holiday, moved


def holiday_remove(*, actor: User, holiday: Holiday) -> Holiday:
    """Removes a holiday (kept as removed, so a re-sync does not bring it back)."""
    if holiday.source == HolidaySource.OFFICIAL and not actor.is_administrator:
        raise NotAllowed(_("Only an administrator changes the official holidays."))
    if holiday.center is not None:
        _check_manages(actor, holiday.center)
    with transaction.atomic():
        holiday.is_removed = True
        holiday.save(update_fields=["is_removed"])
        audit_record(
            actor=actor,
            action="holiday.removed",
            obj=holiday,
            before={"date": holiday.date.isoformat()},
        )
    return holiday
