"""Edits of what is still a draft (issue 11 item 1): a course none of whose offerings is
published yet, and a draft offering, change freely here; once published, an offering
changes only through `services_published` and `session_reschedule` (P1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.catalog.models import AgeGroup, Category, Course, Offering, OfferingStatus, Term
from kargah.catalog.services import (
    OFFERING_AUDIT_FIELDS,
    _check_manages,
    _derive_filter_fields,
    check_certificate_percent,
    check_offering_fields,
    offering_generate_sessions,
)
from kargah.core.errors import DomainError
from kargah.core.services import audit_record, snapshot

COURSE_AUDIT_FIELDS = [
    "title", "category", "age_group", "description", "syllabus", "session_count",
    "session_minutes", "required_documents", "confirmation_waits_for_documents",
    "certificate_attendance_percent",
]  # fmt: skip


def course_update(
    *,
    actor: User,
    course: Course,
    category: Category,
    age_group: AgeGroup,
    title: str,
    description: str,
    session_count: int,
    session_minutes: int,
    syllabus: str = "",
    required_documents: Sequence[str] = (),
    confirmation_waits_for_documents: bool = False,
    certificate_attendance_percent: int | None = None,
) -> Course:
    """Changes a course while every offering of it is a draft. Once one is published, its
    families were promised this course (its sessions, their length, its documents), so the
    course no longer changes; its conditions get a new version instead (R2). Draft offerings
    keep their sessions until planned again (the offering page says when they fall short)."""
    _check_manages(actor, course.center)
    if session_count < 1 or session_minutes < 15:
        raise DomainError(
            _("A course has at least one session of at least 15 minutes."), code="course"
        )
    if certificate_attendance_percent is not None:
        check_certificate_percent(certificate_attendance_percent)
    documents = [d.strip() for d in required_documents if d.strip()]
    with transaction.atomic():
        locked = Course.objects.select_for_update().get(pk=course.pk)
        # The offerings' rows too, as publishing locks them: none is published meanwhile.
        statuses = set(
            Offering.objects.select_for_update()
            .filter(course=locked)
            .values_list("status", flat=True)
        )
        if statuses - {OfferingStatus.DRAFT}:
            raise DomainError(
                _("An offering of this course has been published, so the course no longer "
                  "changes; publish a new version of its conditions instead."),
                code="published",
            )  # fmt: skip
        before = snapshot(locked, COURSE_AUDIT_FIELDS)
        locked.category = category
        locked.age_group = age_group
        locked.title = title.strip()
        locked.description = description.strip()
        locked.syllabus = syllabus.strip()
        locked.session_count = session_count
        locked.session_minutes = session_minutes
        locked.required_documents = documents
        locked.confirmation_waits_for_documents = confirmation_waits_for_documents and bool(
            documents
        )
        if certificate_attendance_percent is not None:
            locked.certificate_attendance_percent = certificate_attendance_percent
        after = snapshot(locked, COURSE_AUDIT_FIELDS)
        if after == before:
            return locked
        locked.save()
        for offering in Offering.objects.filter(course=locked).select_related("course"):
            _derive_filter_fields(offering)  # the search text holds the title
            if before["age_group"] != after["age_group"]:  # drafts admit the course's ages
                offering.min_age, offering.max_age = age_group.min_age, age_group.max_age
            offering.save(
                update_fields=["weekday_mask", "time_of_day", "search_text", "min_age", "max_age"]
            )
        audit_record(actor=actor, action="course.updated", obj=locked, before=before, after=after)
    return locked


def offering_update(
    *,
    actor: User,
    offering: Offering,
    term: Term,
    instructors: Iterable[User],
    capacity: int,
    quorum: int,
    fee_rials: int | None,
    registration_opens_at: dt.datetime | None,
    registration_closes_at: dt.datetime | None,
    weekly_pattern: list[dict[str, Any]],
    first_date: dt.date | None,
) -> Offering:
    """Changes a draft offering (its course stays: another course is another offering) and
    plans its sessions again from the pattern and first date. A published offering is
    refused: it changes through `offering_change_published` and `session_reschedule`."""
    _check_manages(actor, offering.center)
    people = list(instructors)
    with transaction.atomic():
        locked = Offering.objects.select_for_update().select_related("course").get(pk=offering.pk)
        if locked.status != OfferingStatus.DRAFT:
            raise DomainError(
                _("This offering is %(status)s: it changes on its change page, where the "
                  "families are told.") % {"status": locked.get_status_display()},
                code="published",
            )  # fmt: skip
        check_offering_fields(
            course=locked.course, term=term, instructors=people, capacity=capacity,
            quorum=quorum, fee_rials=fee_rials,
        )  # fmt: skip
        before = snapshot(locked, [*OFFERING_AUDIT_FIELDS, "term"])
        before["instructors"] = sorted(locked.instructors.values_list("pk", flat=True))
        locked.term = term
        locked.capacity, locked.quorum, locked.fee_rials = capacity, quorum, fee_rials
        locked.registration_opens_at = registration_opens_at
        locked.registration_closes_at = registration_closes_at
        locked.weekly_pattern, locked.first_date = weekly_pattern, first_date
        _derive_filter_fields(locked)
        locked.save()
        locked.instructors.set(people)
        after = snapshot(locked, [*OFFERING_AUDIT_FIELDS, "term"])
        after["instructors"] = sorted(p.pk for p in people)
        audit_record(actor=actor, action="offering.updated", obj=locked, before=before, after=after)
        if weekly_pattern and first_date:
            offering_generate_sessions(actor=actor, offering=locked)
    return locked
