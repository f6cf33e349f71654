"""Issue 11, items 2, 3 and 10: conditions versions published by staff (R2), terms created,
edited and closed with the holidays inside, and staff forms that refuse what the database
cannot hold and save nothing until a warning (outside the term, a Friday) is confirmed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import jdatetime
import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from kargah.accounts.models import User
from kargah.accounts.tests.factories import CenterFactory
from kargah.catalog import services, services_terms
from kargah.catalog.models import Course, HolidaySource, Offering, Session, Term
from kargah.catalog.tests.conftest import MakeOffering, tehran
from kargah.catalog.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    HolidayFactory,
    InstructorFactory,
    OfferingFactory,
    TermFactory,
)
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN, to_persian_digits
from kargah.documents.forms import DocumentReviewForm

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # Saturday 1403/02/15


def fa(day: dt.date) -> str:
    j = jdatetime.date.fromgregorian(date=day)
    return to_persian_digits(f"{j.year}/{j.month:02d}/{j.day:02d}")


def shows(response, message: object) -> bool:
    return escape(str(message)) in response.content.decode()


@pytest.fixture(autouse=True)
def persian() -> Iterator[None]:
    with translation.override("fa"):
        yield


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def before_the_term(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = dt.datetime(2024, 4, 20, 12, 0, tzinfo=TEHRAN)
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- conditions versions (R2) ------------------------------------------------------------------


def test_staff_publish_a_new_conditions_version_and_every_version_stays_readable(
    staff_client: Client, center
):
    offering = OfferingFactory.create(published=True, course__center=center, center=center)
    course = offering.course
    enrolled = EnrollmentFactory.create(offering=offering)
    assert enrolled.conditions.version == 1
    response = staff_client.post(
        f"/staff/courses/{course.pk}/conditions/", {"text": "شرایط تازهٔ کارگاه"}
    )
    assert response.status_code == 302
    assert course.conditions.count() == 2
    assert AuditLogEntry.objects.filter(action="course.conditions_updated").count() == 1
    enrolled.refresh_from_db()
    assert enrolled.conditions.version == 1  # an existing enrollment keeps its version
    page = staff_client.get(f"/staff/courses/{course.pk}/conditions/").content.decode()
    assert page.count('data-testid="conditions-version"') == 2
    assert "شرایط تازهٔ کارگاه" in page
    created = jdatetime.date.fromgregorian(date=timezone.localdate())
    assert to_persian_digits(str(created.year)) in page  # dated in the Jalali calendar
    # The offering's public page and the API show the version in force.
    public = Client().get(f"/catalog/{offering.pk}/").content.decode()
    assert "شرایط تازهٔ کارگاه" in public
    api = Client().get(f"/api/v1/offerings/{offering.pk}").json()
    assert api["conditions"]["version"] == 2
    # A new registration accepts the version in force.
    assert EnrollmentFactory.create(offering=offering).conditions.version == 2


def test_an_empty_conditions_version_is_refused_and_nothing_changes(staff_client: Client, center):
    course = CourseFactory.create(center=center)
    response = staff_client.post(f"/staff/courses/{course.pk}/conditions/", {"text": "  "})
    assert response.status_code == 200
    assert course.conditions.count() == 1


def test_another_centers_course_conditions_are_not_found(staff_client: Client):
    course = CourseFactory.create(center=CenterFactory.create())
    assert staff_client.get(f"/staff/courses/{course.pk}/conditions/").status_code == 404
    assert (
        staff_client.post(f"/staff/courses/{course.pk}/conditions/", {"text": "x"}).status_code
        == 404
    )
    assert course.conditions.count() == 1


# --- terms ---------------------------------------------------------------------------------------


def test_a_term_is_created_with_jalali_dates_and_lists_the_holidays_inside(
    staff_client: Client, staff: User, center
):
    response = staff_client.post(
        "/staff/terms/new/",
        {
            "name": "تابستان ۱۴۰۳",
            "starts_on": fa(dt.date(2024, 6, 21)),
            "ends_on": fa(dt.date(2024, 9, 21)),
        },
    )
    term = Term.objects.get(center=center)
    assert response.status_code == 302
    assert (term.center, term.starts_on, term.ends_on) == (
        center,
        dt.date(2024, 6, 21),
        dt.date(2024, 9, 21),
    )
    assert AuditLogEntry.objects.filter(action="term.created", object_id=str(term.pk)).exists()
    HolidayFactory.create(date=dt.date(2024, 7, 16), name="تاسوعا آزمایشی")
    HolidayFactory.create(
        date=dt.date(2024, 8, 1),
        name="تعطیلی مرکز آزمایشی",
        source=HolidaySource.CENTER,
        center=center,
    )
    HolidayFactory.create(date=dt.date(2024, 12, 1), name="بیرون از ترم")
    other = CenterFactory.create()
    HolidayFactory.create(
        date=dt.date(2024, 8, 2), name="تعطیلی مرکز دیگر", source=HolidaySource.CENTER, center=other
    )
    page = staff_client.get(f"/staff/terms/{term.pk}/").content.decode()
    assert page.count('data-testid="term-holiday"') == 2
    assert "تاسوعا آزمایشی" in page and "تعطیلی مرکز آزمایشی" in page
    assert "بیرون از ترم" not in page and "تعطیلی مرکز دیگر" not in page
    assert "/staff/terms/" in staff_client.get("/staff/terms/").content.decode()


def test_a_term_that_ends_before_it_starts_is_refused(staff_client: Client):
    response = staff_client.post(
        "/staff/terms/new/",
        {
            "name": "ترم وارونه",
            "starts_on": fa(dt.date(2024, 9, 1)),
            "ends_on": fa(dt.date(2024, 6, 1)),
        },
    )
    assert response.status_code == 200
    assert not Term.objects.exists()


def test_editing_a_term_may_not_leave_its_sessions_outside(
    make_offering: MakeOffering, staff: User
):
    offering = make_offering(first_date=FIRST, count=4)
    term = offering.term
    rows = AuditLogEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services_terms.term_update(
            actor=staff, term=term, name=term.name, starts_on=FIRST + dt.timedelta(days=8),
            ends_on=FIRST + dt.timedelta(days=200),
        )  # fmt: skip
    assert refused.value.code == "term_sessions_outside"
    term.refresh_from_db()
    assert term.starts_on == dt.date(2024, 3, 20)
    assert AuditLogEntry.objects.count() == rows
    services_terms.term_update(
        actor=staff, term=term, name="بهار", starts_on=FIRST, ends_on=FIRST + dt.timedelta(days=60)
    )
    term.refresh_from_db()
    assert (term.name, term.starts_on) == ("بهار", FIRST)
    assert AuditLogEntry.objects.filter(action="term.updated").count() == 1


def test_a_closed_term_takes_no_new_offerings(staff_client: Client, staff: User, center):
    term = TermFactory.create(center=center)
    response = staff_client.post(f"/staff/terms/{term.pk}/close/")
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.is_closed
    closed_at = term.closed_at
    services_terms.term_close(actor=staff, term=term)  # twice: once
    term.refresh_from_db()
    assert term.closed_at == closed_at
    assert AuditLogEntry.objects.filter(action="term.closed").count() == 1
    course = CourseFactory.create(center=center)
    with pytest.raises(DomainError) as refused:
        services.offering_create(
            actor=staff, course=course, term=term, instructors=[], capacity=10, quorum=2,
            fee_rials=None, registration_opens_at=None, registration_closes_at=None,
            weekly_pattern=[], first_date=None,
        )  # fmt: skip
    assert refused.value.code == "term_closed"
    assert not Offering.objects.filter(course=course).exists()
    page = staff_client.get("/staff/offerings/new/").content.decode()
    assert term.name not in page
    with pytest.raises(DomainError):
        services_terms.term_update(
            actor=staff, term=term, name="x", starts_on=term.starts_on, ends_on=term.ends_on
        )


def test_another_centers_term_is_not_found_and_not_closed(staff_client: Client):
    term = TermFactory.create(center=CenterFactory.create())
    assert staff_client.get(f"/staff/terms/{term.pk}/").status_code == 404
    assert staff_client.post(f"/staff/terms/{term.pk}/close/").status_code == 404
    term.refresh_from_db()
    assert not term.is_closed


@pytest.mark.parametrize("role", ["guardian", "instructor"])
def test_terms_are_closed_to_other_roles(client: Client, center, role: str):
    from kargah.accounts.tests.factories import GuardianFactory

    user = (
        GuardianFactory.create() if role == "guardian" else InstructorFactory.create(center=center)
    )
    client.force_login(user)
    term = TermFactory.create(center=center)
    for url in ("/staff/terms/", f"/staff/terms/{term.pk}/", "/staff/terms/new/"):
        assert client.get(url).status_code == 403


# --- safe forms (item 10) --------------------------------------------------------------------


def _offering_post(course: Course, term: Term, instructor: User, **overrides: object) -> dict:
    data: dict[str, object] = {
        "course": str(course.pk),
        "term": str(term.pk),
        "instructors": [str(instructor.pk)],
        "capacity": "۲۰",
        "quorum": "۵",
        "fee_rials": "۵۰۰٬۰۰۰",
        "registration_opens_date": fa(FIRST - dt.timedelta(days=30)),
        "registration_opens_time": "۰۸:۰۰",
        "registration_closes_date": fa(FIRST - dt.timedelta(days=2)),
        "registration_closes_time": "۲۰:۳۰",
        "weekdays": ["0"],
        "start_time": "۱۶:۳۰",
        "first_date": fa(FIRST),
    }
    data.update(overrides)
    return data


def test_a_fee_too_large_for_the_database_is_a_persian_form_error(staff_client: Client, center):
    course = CourseFactory.create(center=center, session_count=2)
    term = TermFactory.create(center=center)
    instructor = InstructorFactory.create(center=center)
    response = staff_client.post(
        "/staff/offerings/new/", _offering_post(course, term, instructor, fee_rials="۹" * 25)
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.content.decode()
    assert not Offering.objects.exists()


def test_sessions_outside_the_term_wait_for_a_confirmation(staff_client: Client, center):
    course = CourseFactory.create(center=center, session_count=4)
    term = TermFactory.create(center=center, starts_on=FIRST, ends_on=FIRST + dt.timedelta(days=10))
    instructor = InstructorFactory.create(center=center)
    response = staff_client.post("/staff/offerings/new/", _offering_post(course, term, instructor))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="form-warnings"' in page
    assert 'name="confirm"' in page
    assert not Offering.objects.exists()
    confirmed = _offering_post(course, term, instructor, confirm="on")
    assert staff_client.post("/staff/offerings/new/", confirmed).status_code == 302
    assert Offering.objects.get().sessions.count() == 4


def test_an_offering_inside_its_term_on_weekdays_saves_without_a_question(
    staff_client: Client, center
):
    course = CourseFactory.create(center=center, session_count=2)
    term = TermFactory.create(center=center)
    instructor = InstructorFactory.create(center=center)
    response = staff_client.post("/staff/offerings/new/", _offering_post(course, term, instructor))
    assert response.status_code == 302


def test_a_session_moved_to_a_friday_waits_for_a_confirmation(
    make_offering: MakeOffering, staff: User, staff_client: Client, before_the_term: None
):
    offering = services.offering_publish(
        actor=staff, offering=make_offering(first_date=FIRST, count=4)
    )
    session = offering.sessions.order_by("starts_at")[1]
    before = session.starts_at
    friday = before.astimezone(TEHRAN).date() - dt.timedelta(days=1)
    assert friday.weekday() == 4
    typed = {"date": fa(friday), "time": "۱۰:۰۰", "reason": "جابه‌جایی آزمایشی"}
    response = staff_client.post(f"/staff/sessions/{session.pk}/reschedule/", typed)
    assert response.status_code == 200
    assert shows(response, gettext("Read the warnings and tick the box to confirm."))
    session.refresh_from_db()
    assert session.starts_at == before
    assert not AuditLogEntry.objects.filter(action="session.rescheduled").exists()
    response = staff_client.post(
        f"/staff/sessions/{session.pk}/reschedule/", {**typed, "confirm": "on"}
    )
    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).starts_at == tehran(friday, 10)


def test_the_document_decision_has_no_default():
    form = DocumentReviewForm({"reason": ""})
    assert not form.is_valid()
    assert "decision" in form.errors
    assert DocumentReviewForm({"decision": "approve"}).is_valid()
