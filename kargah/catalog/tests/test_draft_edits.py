"""Draft edits (issue 11 item 1): a draft offering and a course whose offerings are all
drafts change freely, through `course_update` and `offering_update`, audited; once an
offering is published both refuse and write nothing, and the pages send staff on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from kargah.accounts.models import User
from kargah.accounts.tests.factories import CenterFactory
from kargah.catalog.models import Course, Offering, OfferingStatus, Session
from kargah.catalog.services_drafts import course_update, offering_update
from kargah.catalog.tests.conftest import MakeOffering, tehran
from kargah.catalog.tests.factories import InstructorFactory, TermFactory
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN, search_key

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # a Saturday (1403/02/15)


@pytest.fixture
def draft(make_offering: MakeOffering) -> Offering:
    return make_offering(first_date=FIRST, count=4, title="نقاشی با آبرنگ")


def _counts() -> dict[str, int]:
    return {"audit": AuditLogEntry.objects.count(), "sessions": Session.objects.count()}


def _offering_kwargs(offering: Offering, **changes):
    kwargs = {
        "term": offering.term,
        "instructors": list(offering.instructors.all()),
        "capacity": offering.capacity,
        "quorum": offering.quorum,
        "fee_rials": offering.fee_rials,
        "registration_opens_at": offering.registration_opens_at,
        "registration_closes_at": offering.registration_closes_at,
        "weekly_pattern": offering.weekly_pattern,
        "first_date": offering.first_date,
    }
    return {**kwargs, **changes}


def _course_kwargs(course: Course, **changes):
    kwargs = {
        "category": course.category,
        "age_group": course.age_group,
        "title": course.title,
        "description": course.description,
        "session_count": course.session_count,
        "session_minutes": course.session_minutes,
    }
    return {**kwargs, **changes}


def _publish(offering: Offering) -> None:
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.PUBLISHED)


# --- services ------------------------------------------------------------------------------


def test_a_draft_changes_freely_and_its_sessions_are_planned_again(draft: Offering, staff: User):
    monday = [{"weekday": 2, "start": "10:00"}]  # Iranian weekdays: Saturday = 0
    old_capacity = draft.capacity
    offering_update(
        actor=staff, offering=draft,
        **_offering_kwargs(draft, capacity=12, quorum=3, fee_rials=7_000_000,
                           weekly_pattern=monday, first_date=FIRST + dt.timedelta(days=2)),
    )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.capacity, draft.quorum, draft.fee_rials) == (12, 3, 7_000_000)
    starts = list(draft.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert len(starts) == 4
    assert starts[0] == tehran(FIRST + dt.timedelta(days=2), 10)
    assert all(s.astimezone(starts[0].tzinfo).weekday() == 0 for s in starts)  # Mondays
    audit = AuditLogEntry.objects.get(action="offering.updated")
    assert audit.before is not None and audit.after is not None
    assert (audit.before["capacity"], audit.after["capacity"]) == (old_capacity, 12)
    assert audit.after["fee_rials"] == 7_000_000


def test_a_published_offering_is_refused_and_nothing_changes(draft: Offering, staff: User):
    _publish(draft)
    counts = _counts()
    with pytest.raises(DomainError) as refused:
        offering_update(
            actor=staff, offering=draft, **_offering_kwargs(draft, capacity=3, quorum=1)
        )
    assert refused.value.code == "published"
    draft.refresh_from_db()
    assert draft.capacity != 3 and _counts() == counts


@pytest.mark.parametrize("bad", ["term", "instructor", "capacity", "fee"])
def test_a_draft_with_bad_fields_is_refused_and_nothing_changes(
    draft: Offering, staff: User, bad: str
):
    elsewhere = CenterFactory.create()
    changes: dict[str, dict[str, Any]] = {
        "term": {"term": TermFactory.create(center=elsewhere)},
        "instructor": {"instructors": [InstructorFactory.create(center=elsewhere)]},
        "capacity": {"capacity": 2, "quorum": 3},
        "fee": {"fee_rials": 12_345},
    }
    change = changes[bad]
    counts = _counts()
    before = Offering.objects.filter(pk=draft.pk).values().get()
    with pytest.raises(DomainError) as refused:
        offering_update(actor=staff, offering=draft, **_offering_kwargs(draft, **change))
    assert refused.value.code == bad
    assert Offering.objects.filter(pk=draft.pk).values().get() == before
    assert _counts() == counts


def test_another_centers_staff_cannot_edit(draft: Offering):
    from kargah.accounts.tests.factories import StaffFactory

    with pytest.raises(DomainError):
        offering_update(
            actor=StaffFactory.create(), offering=draft, **_offering_kwargs(draft, capacity=3)
        )
    with pytest.raises(DomainError):
        course_update(
            actor=StaffFactory.create(), course=draft.course,
            **_course_kwargs(draft.course, title="دیگر"),
        )  # fmt: skip


def test_a_course_of_drafts_changes_and_its_drafts_follow(draft: Offering, staff: User):
    course = draft.course
    course_update(
        actor=staff, course=course,
        **_course_kwargs(course, title="سفالگری", session_minutes=90,
                         required_documents=["گواهی سلامت", " "]),
    )  # fmt: skip
    course.refresh_from_db()
    assert (course.title, course.session_minutes) == ("سفالگری", 90)
    assert course.required_documents == ["گواهی سلامت"]
    draft.refresh_from_db()
    assert search_key("سفالگری") in draft.search_text
    audit = AuditLogEntry.objects.get(action="course.updated")
    assert audit.after is not None and audit.after["title"] == "سفالگری"


def test_an_unchanged_course_writes_no_audit_row(draft: Offering, staff: User):
    counts = _counts()
    course_update(actor=staff, course=draft.course, **_course_kwargs(draft.course))
    assert _counts() == counts


def test_a_course_with_a_published_offering_no_longer_changes(draft: Offering, staff: User):
    _publish(draft)
    course = draft.course
    counts = _counts()
    with pytest.raises(DomainError) as refused:
        course_update(actor=staff, course=course, **_course_kwargs(course, session_count=9))
    assert refused.value.code == "published"
    course.refresh_from_db()
    assert course.session_count == 4 and _counts() == counts


# --- pages ---------------------------------------------------------------------------------


def test_the_offering_edit_page_is_filled_and_saves(client: Client, draft: Offering, staff: User):
    client.force_login(staff)
    url = f"/staff/offerings/{draft.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert "course" not in form.fields and form.initial["capacity"] == draft.capacity
    assert "k-staff" in page.content.decode()
    data = {
        "term": draft.term_id,
        "instructors": [p.pk for p in draft.instructors.all()],
        "capacity": "۱۵",
        "quorum": "۲",
        "fee_rials": "",
        "weekdays": ["0"],
        "start_time": "۱۷:۰۰",
        "first_date": "۱۴۰۳/۰۲/۱۵",
    }
    done = client.post(url, data)
    assert done.status_code == 302, done.context["form"].errors if done.context else done
    draft.refresh_from_db()
    assert draft.capacity == 15 and draft.fee_rials is None
    first = draft.sessions.order_by("starts_at").first()
    assert first is not None and first.starts_at == tehran(FIRST, 17)


def test_a_published_offerings_edit_page_leads_to_its_change_page(
    client: Client, draft: Offering, staff: User
):
    _publish(draft)
    client.force_login(staff)
    answer = client.post(f"/staff/offerings/{draft.pk}/edit/", {"capacity": "3"})
    assert answer.status_code == 302
    assert answer["Location"] == f"/staff/offerings/{draft.pk}/change/"
    draft.refresh_from_db()
    assert draft.capacity != 3


def test_the_course_edit_page_saves_a_course_of_drafts(
    client: Client, draft: Offering, staff: User
):
    client.force_login(staff)
    course = draft.course
    url = f"/staff/courses/{course.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["title"] == course.title
    assert "center" not in page.context["form"].fields
    done = client.post(
        url,
        {
            "title": "خوشنویسی",
            "category": course.category_id,
            "age_group": course.age_group_id,
            "description": "خط نستعلیق",
            "session_count": "۶",
            "session_minutes": "۶۰",
        },
    )
    assert done.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.session_count) == ("خوشنویسی", 6)


def test_the_course_edit_page_of_a_published_course_refuses(
    client: Client, draft: Offering, staff: User
):
    _publish(draft)
    client.force_login(staff)
    course = draft.course
    url = f"/staff/courses/{course.pk}/edit/"
    assert 'data-testid="course-published"' in client.get(url).content.decode()
    counts = _counts()
    answer = client.post(
        url,
        {
            "title": "خوشنویسی",
            "category": course.category_id,
            "age_group": course.age_group_id,
            "description": "خط",
            "session_count": "6",
            "session_minutes": "60",
        },
    )
    assert answer.status_code == 200 and _counts() == counts
    course.refresh_from_db()
    assert course.title != "خوشنویسی"


def test_the_offering_page_links_to_the_draft_edit_pages(
    client: Client, draft: Offering, staff: User
):
    client.force_login(staff)
    page = client.get(f"/staff/offerings/{draft.pk}/").content.decode()
    assert f"/staff/offerings/{draft.pk}/edit/" in page
    assert f"/staff/courses/{draft.course_id}/edit/" in page


def test_a_draft_moved_onto_fridays_waits_for_a_confirmation(
    client: Client, draft: Offering, staff: User
):
    """As on creation (issue 11, item 10): sessions on a Friday are saved only once the
    person ticks "confirm"; before that the draft stays as it was."""
    client.force_login(staff)
    url = f"/staff/offerings/{draft.pk}/edit/"
    data = {
        "term": draft.term_id,
        "instructors": [p.pk for p in draft.instructors.all()],
        "capacity": "۱۵",
        "quorum": "۲",
        "fee_rials": "",
        "weekdays": ["6"],  # Friday, the Iranian week's day off
        "start_time": "۱۷:۰۰",
        "first_date": "۱۴۰۳/۰۲/۱۴",
    }
    before = (draft.capacity, list(draft.sessions.values_list("starts_at", flat=True)))
    asked = client.post(url, data)
    assert asked.status_code == 200
    assert 'data-testid="form-warnings"' in asked.content.decode()
    draft.refresh_from_db()
    assert (draft.capacity, list(draft.sessions.values_list("starts_at", flat=True))) == before
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    draft.refresh_from_db()
    assert draft.capacity == 15
    assert all(s.starts_at.astimezone(TEHRAN).weekday() == 4 for s in draft.sessions.all())
