"""The catalog's staff pages through Django's test client: who may open them, building a
course and an offering with Persian digits, the session preview with skipped holidays,
publishing, rescheduling with its audit row, the holiday calendar and the Jalali month."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import jdatetime
import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from kargah.accounts.models import Center, Role, User
from kargah.accounts.tests.factories import (
    CenterFactory,
    GuardianFactory,
    ProvinceFactory,
    StaffFactory,
)
from kargah.catalog import selectors, services
from kargah.catalog.models import (
    Course,
    Holiday,
    HolidaySource,
    Offering,
    OfferingStatus,
    Session,
)
from kargah.catalog.tests.conftest import MakeOffering, tehran
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    CourseFactory,
    HolidayFactory,
    InstructorFactory,
    TermFactory,
)
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.core.persian import (
    TEHRAN,
    WEEKDAYS_FA,
    format_jalali_datetime,
    to_persian_digits,
    to_tehran,
)

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # Saturday 1403/02/15
HOLIDAY_DAY = FIRST + dt.timedelta(days=7)  # Saturday 1403/02/22
HOLIDAY_NAME = "تعطیلی آزمایشی مرکز"
STAFF_SIGN_IN = "/accounts/staff/sign-in/"


def fa(day: dt.date) -> str:
    """A date as a person types it: Jalali, with Persian digits."""
    j = jdatetime.date.fromgregorian(date=day)
    return to_persian_digits(f"{j.year}/{j.month:02d}/{j.day:02d}")


def shows(response, message: object) -> bool:
    """Whether a page shows a message (as the active language renders it, escaped)."""
    return escape(str(message)) in response.content.decode()


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def persian() -> Iterator[None]:
    """Pages are Persian unless the visitor chose English; messages are compared in it."""
    with translation.override("fa"):
        yield


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def draft(make_offering: MakeOffering) -> Offering:
    """A complete draft: four Saturdays at 16:00 from 1403/02/15."""
    return make_offering(first_date=FIRST, count=4, title="نقاشی با آبرنگ")


@pytest.fixture
def before_the_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock stands a fortnight before FIRST, so the term's sessions lie ahead."""
    moment = dt.datetime(2024, 4, 20, 12, 0, tzinfo=TEHRAN)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def published(draft: Offering, staff: User) -> Offering:
    return services.offering_publish(actor=staff, offering=draft)


# --- who may open what ----------------------------------------------------------------------


def _pages(offering: Offering) -> dict[str, tuple[str, str]]:
    """Every staff page: name → (method, URL) for an offering of the test center."""
    session = offering.sessions.order_by("starts_at").first()
    assert session is not None
    closure = HolidayFactory.create(
        date=dt.date(2024, 9, 1), source=HolidaySource.CENTER, center=offering.center
    )
    return {
        "dashboard": ("get", "/staff/"),
        "course_create": ("get", "/staff/courses/new/"),
        "offering_create": ("get", "/staff/offerings/new/"),
        "offering_preview": ("post", "/staff/offerings/preview/"),
        "offering_import": ("get", "/staff/offerings/import/"),
        "import_template": ("get", "/staff/offerings/import/template.csv"),
        "offering_detail": ("get", f"/staff/offerings/{offering.pk}/"),
        "offering_publish": ("post", f"/staff/offerings/{offering.pk}/publish/"),
        "offering_edit": ("get", f"/staff/offerings/{offering.pk}/edit/"),
        "course_edit": ("get", f"/staff/courses/{offering.course_id}/edit/"),
        "session_reschedule": ("get", f"/staff/sessions/{session.pk}/reschedule/"),
        "holidays": ("get", "/staff/holidays/1403/"),
        "holiday_add": ("post", "/staff/holidays/1403/add/"),
        "holiday_move": ("post", f"/staff/holidays/item/{closure.pk}/move/"),
        "holiday_remove": ("post", f"/staff/holidays/item/{closure.pk}/remove/"),
        "month": ("get", "/staff/calendar/1403/2/"),
    }


# Pages that name one object of a center: another center's staff get 404 there.
OBJECT_PAGES = {
    "offering_detail",
    "offering_edit",
    "course_edit",
    "offering_publish",
    "session_reschedule",
    "holiday_move",
    "holiday_remove",
}


def _call(client: Client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client: Client, draft: Offering):
    for name, (method, url) in _pages(draft).items():
        response = _call(client, method, url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(f"{STAFF_SIGN_IN}?next="), name
    assert Offering.objects.get(pk=draft.pk).status == OfferingStatus.DRAFT


@pytest.mark.parametrize("who", ["guardian", "instructor", "finance", "staff without center"])
def test_people_who_are_not_center_staff_get_403(client: Client, draft: Offering, who: str):
    user = {
        "guardian": lambda: GuardianFactory.create(),
        "instructor": lambda: InstructorFactory.create(center=draft.center),
        "finance": lambda: StaffFactory.create(role=Role.FINANCE, center=None),
        "staff without center": lambda: StaffFactory.create(center=None),
    }[who]()
    client.force_login(user)
    for name, (method, url) in _pages(draft).items():
        response = _call(client, method, url)
        assert response.status_code == 403, name
        assert shows(response, gettext("You do not have access to this page.")), name
    assert Offering.objects.get(pk=draft.pk).status == OfferingStatus.DRAFT
    assert Holiday.objects.filter(is_removed=True).count() == 0


def test_staff_of_another_center_get_404_on_its_objects(client: Client, draft: Offering):
    client.force_login(StaffFactory.create())
    pages = _pages(draft)
    for name in OBJECT_PAGES:
        method, url = pages[name]
        assert _call(client, method, url).status_code == 404, name
    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200
    assert draft.course.title not in text_of(dashboard)
    month = client.get("/staff/calendar/1403/2/")
    assert draft.course.title not in text_of(month)
    holidays = client.get("/staff/holidays/1403/")
    assert "item/" not in text_of(holidays)  # the other center's closure is not listed
    assert Offering.objects.get(pk=draft.pk).status == OfferingStatus.DRAFT
    assert Holiday.objects.filter(is_removed=True).count() == 0


def test_own_center_staff_and_administrators_open_every_page(
    client: Client, draft: Offering, staff: User, admin: User
):
    pages = _pages(draft)
    for user in (staff, admin):
        client.force_login(user)
        for name, (method, url) in pages.items():
            if method == "get":
                assert client.get(url).status_code == 200, (user, name)


def test_dashboard_lists_the_centers_offerings(staff_client: Client, published: Offering):
    response = staff_client.get("/staff/")
    page = text_of(response)
    assert published.course.title in page
    assert str(published.get_status_display()) in page
    first = published.sessions.order_by("starts_at").first()
    assert first is not None
    assert format_jalali_datetime(first.starts_at) in page
    assert f"/staff/offerings/{published.pk}/" in page
    assert "/staff/calendar/1403/2/" in page


# --- courses and offerings ------------------------------------------------------------------


def test_a_course_is_created_through_the_form_with_persian_digits(staff_client: Client, center):
    category, age_group = CategoryFactory.create(), AgeGroupFactory.create()
    response = staff_client.post(
        "/staff/courses/new/",
        {
            "title": "داستان‌گویی",
            "category": str(category.pk),
            "age_group": str(age_group.pk),
            "description": "قصه‌گویی برای کودکان",
            "session_count": "۸",
            "session_minutes": "٤٥",  # Arabic-Indic digits
            "conditions_text": "شرایط کارگاه",
            "required_documents": "عکس\nشناسنامه\n",
            "confirmation_waits_for_documents": "on",
        },
    )
    course = Course.objects.get(title="داستان‌گویی")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/offerings/new/?course={course.pk}"
    assert course.center == center
    assert (course.session_count, course.session_minutes) == (8, 45)
    assert course.required_documents == ["عکس", "شناسنامه"]
    assert course.confirmation_waits_for_documents
    assert course.conditions.get().text == "شرایط کارگاه"
    assert AuditLogEntry.objects.filter(action="course.created", object_id=str(course.pk)).exists()


def test_an_invalid_course_is_refused_with_messages(staff_client: Client):
    response = staff_client.post("/staff/courses/new/", {"title": "", "session_minutes": "۱۰"})
    assert response.status_code == 200
    assert not Course.objects.exists()
    assert 'class="invalid-feedback' in text_of(response)


def _offering_post(course: Course, term, instructor: User, **overrides: object) -> dict:
    data: dict[str, object] = {
        "course": str(course.pk),
        "term": str(term.pk),
        "instructors": [str(instructor.pk)],
        "capacity": "۲۰",
        "quorum": "۵",
        "fee_rials": "۵۰۰٬۰۰۰",  # typed in Toman, stored in Rials (issue 9)
        "registration_opens_date": fa(FIRST - dt.timedelta(days=30)),
        "registration_opens_time": "۰۸:۰۰",
        "registration_closes_date": fa(FIRST - dt.timedelta(days=2)),
        "registration_closes_time": "۲۰:۳۰",
        "weekdays": ["0", "2"],  # Saturday and Monday
        "start_time": "۱۶:۳۰",
        "first_date": fa(FIRST),
    }
    data.update(overrides)
    return data


@pytest.fixture
def course(center: Center) -> Course:
    return CourseFactory.create(center=center, session_count=4, title="رباتیک مقدماتی")


@pytest.fixture
def term(center: Center):
    return TermFactory.create(center=center, name="بهار ۱۴۰۳")


@pytest.fixture
def instructor(center: Center) -> User:
    return InstructorFactory.create(center=center)


def test_an_offering_is_created_as_a_draft_with_its_sessions(
    staff_client: Client, course: Course, term, instructor: User
):
    response = staff_client.post("/staff/offerings/new/", _offering_post(course, term, instructor))
    offering = Offering.objects.get(course=course)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/offerings/{offering.pk}/"
    assert offering.status == OfferingStatus.DRAFT
    assert (offering.capacity, offering.quorum, offering.fee_rials) == (20, 5, 5_000_000)
    assert offering.registration_opens_at == tehran(FIRST - dt.timedelta(days=30), 8)
    assert offering.registration_closes_at == tehran(FIRST - dt.timedelta(days=2), 20, 30)
    assert offering.weekly_pattern == [
        {"weekday": 0, "start": "16:30"},
        {"weekday": 2, "start": "16:30"},
    ]
    assert list(offering.instructors.all()) == [instructor]
    starts = [to_tehran(s.starts_at) for s in offering.sessions.order_by("starts_at")]
    assert [s.date() for s in starts] == [
        FIRST,
        FIRST + dt.timedelta(days=2),
        FIRST + dt.timedelta(days=7),
        FIRST + dt.timedelta(days=9),
    ]
    assert {s.time() for s in starts} == {dt.time(16, 30)}

    detail = staff_client.get(response["Location"])
    page = text_of(detail)
    assert detail.status_code == 200
    assert page.count('data-testid="session"') == 4
    assert "۱۶:۳۰" in page
    assert "شنبه" in page and "دوشنبه" in page
    assert "اردیبهشت" in page  # 1403/02/15: the Jalali month by name


def test_the_offering_form_refuses_another_centers_course(
    staff_client: Client, term, instructor: User
):
    foreign = CourseFactory.create()
    response = staff_client.post("/staff/offerings/new/", _offering_post(foreign, term, instructor))
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert 'class="invalid-feedback' in text_of(response)


def test_the_offering_form_checks_its_fields(
    staff_client: Client, course: Course, term, instructor: User
):
    response = staff_client.post(
        "/staff/offerings/new/",
        _offering_post(
            course,
            term,
            instructor,
            quorum="۳۰",
            registration_opens_time="",
            start_time="۲۵:۰۰",
            first_date="2024/05/04",
        ),
    )
    form = response.context["form"]
    assert not Offering.objects.exists()
    assert set(form.errors) >= {"quorum", "registration_opens_time", "start_time", "first_date"}


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("fee_rials", "9" * 25),  # finding 6 of issue 8: was an integer overflow (500)
        ("fee_rials", "۹" * 25),
        ("fee_rials", "100٬000٬001"),  # Toman: one Toman above the highest fee
        ("capacity", "۹" * 25),
        ("quorum", "9" * 25),
    ],
)
def test_a_number_beyond_its_limit_is_a_persian_form_error(
    staff_client: Client, course: Course, term, instructor: User, field: str, typed: str
):
    response = staff_client.post(
        "/staff/offerings/new/", _offering_post(course, term, instructor, **{field: typed})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and not any(re.search(r"[A-Za-z]", error) for error in errors), errors
    assert not Offering.objects.exists()


def test_the_highest_fee_is_accepted(staff_client: Client, course: Course, term, instructor):
    response = staff_client.post(
        "/staff/offerings/new/",
        _offering_post(course, term, instructor, fee_rials="۱۰۰٬۰۰۰٬۰۰۰"),  # Toman
    )
    assert response.status_code == 302
    assert Offering.objects.get().fee_rials == 1_000_000_000


def test_a_service_refusal_becomes_a_form_error(client: Client, admin: User, instructor: User):
    """An administrator may choose any center's course and term; the service refuses a term
    of another center, and the page says so instead of failing."""
    client.force_login(admin)
    course = CourseFactory.create(center=instructor.center, session_count=4)
    other_term = TermFactory.create()
    response = client.post("/staff/offerings/new/", _offering_post(course, other_term, instructor))
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert shows(response, gettext("The term belongs to another center."))


@override_settings(KARGAH_MONEY_DISPLAY="rial")
def test_a_fee_that_is_not_a_whole_toman_is_refused(
    staff_client: Client, staff: User, course: Course, term, instructor: User
):
    """Fees are whole Tomans (issue 9): typed in Rials, a last digit other than 0 is refused
    by the form, and by the service for any other caller (the import)."""
    response = staff_client.post(
        "/staff/offerings/new/", _offering_post(course, term, instructor, fee_rials="5,000,005")
    )
    assert response.status_code == 200 and response.context["form"].errors["fee_rials"]
    assert not Offering.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.offering_create(
            actor=staff, course=course, term=term, instructors=[instructor],
            capacity=10, quorum=2, fee_rials=5_000_005, registration_opens_at=None,
            registration_closes_at=None, weekly_pattern=[], first_date=None,
        )  # fmt: skip
    assert refused.value.code == "fee" and not Offering.objects.exists()


def test_the_preview_shows_the_skipped_holidays_without_saving(
    staff_client: Client, course: Course, term, instructor: User
):
    HolidayFactory.create(date=HOLIDAY_DAY, name="عید آزمایشی")
    data = _offering_post(course, term, instructor, weekdays=["0"], capacity="")
    fragment = staff_client.post("/staff/offerings/preview/", data, headers={"HX-Request": "true"})
    page = text_of(fragment)
    assert fragment.status_code == 200
    assert "<html" not in page  # a fragment for htmx
    assert "عید آزمایشی" in page
    assert page.count("<li") == 4 + 1  # four sessions and the skipped holiday
    # without JavaScript the whole form page comes back, with the preview in it
    full = staff_client.post("/staff/offerings/preview/", data)
    assert "<html" in text_of(full) and "عید آزمایشی" in text_of(full)
    assert 'data-testid="skipped"' in text_of(full)
    assert not Offering.objects.exists()


def test_the_preview_explains_what_is_missing(
    staff_client: Client, course: Course, term, instructor
):
    data = _offering_post(course, term, instructor, first_date="")
    response = staff_client.post("/staff/offerings/preview/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert shows(
        response, gettext("Choose the course, the weekdays, the start time and the first date.")
    )


def test_the_offering_page_marks_the_skipped_holidays(
    staff_client: Client, make_offering: MakeOffering
):
    HolidayFactory.create(date=HOLIDAY_DAY, name="عید آزمایشی")
    offering = make_offering(first_date=FIRST, count=3)
    page = text_of(staff_client.get(f"/staff/offerings/{offering.pk}/"))
    assert page.count('data-testid="session"') == 3
    assert page.count('data-testid="skipped-holiday"') == 1
    assert "عید آزمایشی" in page
    # the holiday sits between the first and the second session
    first_session = page.index('data-testid="session"')
    assert first_session < page.index("عید آزمایشی") < page.rindex('data-testid="session"')


# --- sessions near an estimated holiday (P4) ---------------------------------------------------

ESTIMATE_DAY = HOLIDAY_DAY + dt.timedelta(days=1)  # Sunday 1403/02/23, the day after session 2


def test_the_preview_warns_of_a_session_a_day_from_an_estimated_holiday(
    staff_client: Client, course: Course, term, instructor: User
):
    """An estimated lunar holiday the day after a planned Saturday: the official date may
    fall on the session, so the preview names the session, its Jalali date and the holiday.
    A confirmed holiday a day away, an estimate two days away or a removed one say nothing."""
    HolidayFactory.create(date=ESTIMATE_DAY, name="عید تخمینی", is_estimate=True)
    HolidayFactory.create(date=FIRST + dt.timedelta(days=16), name="عید دور", is_estimate=True)
    HolidayFactory.create(date=FIRST + dt.timedelta(days=1), name="عید قطعی")
    HolidayFactory.create(
        date=FIRST + dt.timedelta(days=22), name="عید حذف‌شده", is_estimate=True, is_removed=True
    )
    data = _offering_post(course, term, instructor, weekdays=["0"])
    page = text_of(
        staff_client.post("/staff/offerings/preview/", data, headers={"HX-Request": "true"})
    )
    assert page.count('data-testid="near-estimate"') == 1
    warning = page[page.index('data-testid="near-estimates"') :]
    assert "عید تخمینی" in warning
    assert "۲۲ اردیبهشت ۱۴۰۳" in warning and "۲۳ اردیبهشت ۱۴۰۳" in warning
    assert "عید دور" not in warning and "عید قطعی" not in warning and "حذف‌شده" not in warning
    assert gettext("the day after the session") in warning
    assert gettext("the day before the session") not in warning


def test_publishing_near_an_estimated_holiday_waits_for_the_acknowledgement(
    staff_client: Client, draft: Offering
):
    """The offering page shows the warning before publishing; publishing without ticking
    that it was seen changes nothing, with it publishes, and the audit row keeps the
    warning."""
    HolidayFactory.create(date=ESTIMATE_DAY, name="عید تخمینی", is_estimate=True)
    page = text_of(staff_client.get(f"/staff/offerings/{draft.pk}/"))
    assert 'data-testid="near-estimate"' in page and 'name="acknowledge_estimates"' in page

    refused = staff_client.post(f"/staff/offerings/{draft.pk}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == OfferingStatus.DRAFT
    assert shows(
        refused,
        gettext("Confirm that you have seen the sessions near estimated holidays, then publish."),
    )

    staff_client.post(f"/staff/offerings/{draft.pk}/publish/", {"acknowledge_estimates": "1"})
    draft.refresh_from_db()
    assert draft.status == OfferingStatus.PUBLISHED
    after = AuditLogEntry.objects.get(action="offering.published").after or {}
    assert after["near_estimated_holidays"] == [
        {"session": 2, "holiday": "عید تخمینی", "date": ESTIMATE_DAY.isoformat()}
    ]


def test_no_acknowledgement_is_asked_without_an_estimate_nearby(
    staff_client: Client, draft: Offering
):
    HolidayFactory.create(date=ESTIMATE_DAY, name="عید قطعی")
    page = text_of(staff_client.get(f"/staff/offerings/{draft.pk}/"))
    assert 'data-testid="near-estimates"' not in page and "acknowledge_estimates" not in page
    staff_client.post(f"/staff/offerings/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == OfferingStatus.PUBLISHED
    after = AuditLogEntry.objects.get(action="offering.published").after or {}
    assert after["status"] == OfferingStatus.PUBLISHED
    assert "near_estimated_holidays" not in after


def test_an_estimate_of_another_province_warns_no_one(draft: Offering):
    HolidayFactory.create(date=ESTIMATE_DAY, is_estimate=True, province=ProvinceFactory.create())
    assert selectors.sessions_near_estimated_holidays(offering=draft) == []
    mine = HolidayFactory.create(
        date=ESTIMATE_DAY, is_estimate=True, province=draft.center.province
    )
    near = selectors.sessions_near_estimated_holidays(offering=draft)
    assert [(n.number, n.holiday, n.days_after) for n in near] == [(2, mine, -1)]


# --- publishing -----------------------------------------------------------------------------


def test_publishing_a_complete_offering(staff_client: Client, draft: Offering):
    response = staff_client.post(f"/staff/offerings/{draft.pk}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == OfferingStatus.PUBLISHED
    assert shows(response, gettext("The offering is published with its whole schedule."))
    assert 'data-testid="publish"' not in text_of(response)
    # a published offering's sessions each get a reschedule form
    assert text_of(response).count("/reschedule/") == 4


def test_publishing_is_refused_with_every_problem_listed(
    staff_client: Client, make_offering: MakeOffering
):
    offering = make_offering(first_date=FIRST, count=4, instructors=[], fee_rials=None)
    page = text_of(staff_client.get(f"/staff/offerings/{offering.pk}/"))
    assert 'data-testid="problems"' in page
    response = staff_client.post(f"/staff/offerings/{offering.pk}/publish/", follow=True)
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.DRAFT
    assert response.status_code == 200
    for problem in (gettext("Set the fee."), gettext("Choose at least one instructor.")):
        assert shows(response, problem)
        assert text_of(response).count(escape(problem)) == 2  # the message and the list
    assert not AuditLogEntry.objects.filter(action="offering.published").exists()


def test_publish_only_takes_post(staff_client: Client, draft: Offering):
    assert staff_client.get(f"/staff/offerings/{draft.pk}/publish/").status_code == 405


# --- rescheduling ---------------------------------------------------------------------------


def test_rescheduling_through_the_page_records_the_change(
    staff_client: Client, published: Offering, staff: User, before_the_term: None
):
    session = published.sessions.order_by("starts_at")[1]
    new_day = session.starts_at.astimezone(TEHRAN).date() + dt.timedelta(days=1)
    response = staff_client.post(
        f"/staff/sessions/{session.pk}/reschedule/",
        {"date": fa(new_day), "time": "۱۸:۰۰", "reason": "بیماری مربی"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/offerings/{published.pk}/"
    session.refresh_from_db()
    assert session.starts_at == tehran(new_day, 18)
    entry = AuditLogEntry.objects.get(action="session.rescheduled", object_id=str(session.pk))
    assert entry.actor == staff
    assert entry.reason == "بیماری مربی"
    assert entry.after == {
        "starts_at": tehran(new_day, 18).isoformat(),
        "ends_at": tehran(new_day, 19).isoformat(),
    }


def test_rescheduling_onto_a_holiday_is_refused_on_the_page(
    staff_client: Client, published: Offering, before_the_term: None
):
    session = published.sessions.order_by("starts_at")[1]
    before = session.starts_at
    holiday_day = before.astimezone(TEHRAN).date() + dt.timedelta(days=1)
    HolidayFactory.create(date=holiday_day, name="تعطیل رسمی آزمایشی")
    response = staff_client.post(
        f"/staff/sessions/{session.pk}/reschedule/",
        {"date": fa(holiday_day), "time": "16:00", "reason": "جابه‌جایی"},
    )
    assert response.status_code == 200
    assert "تعطیل رسمی آزمایشی" in text_of(response)
    session.refresh_from_db()
    assert session.starts_at == before
    assert not AuditLogEntry.objects.filter(action="session.rescheduled").exists()


def test_rescheduling_into_the_past_is_refused_on_the_page(
    staff_client: Client, published: Offering
):
    session = published.sessions.order_by("starts_at")[1]
    before = session.starts_at
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = staff_client.post(
        f"/staff/sessions/{session.pk}/reschedule/",
        {"date": fa(yesterday), "time": "16:00", "reason": "جابه‌جایی"},
    )
    assert response.status_code == 200
    with translation.override("fa"):
        assert gettext("Choose a time in the future.") in text_of(response)
    session.refresh_from_db()
    assert session.starts_at == before
    assert not AuditLogEntry.objects.filter(action="session.rescheduled").exists()


def test_a_draft_has_no_reschedule_forms(
    staff_client: Client, draft: Offering, before_the_term: None
):
    page = text_of(staff_client.get(f"/staff/offerings/{draft.pk}/"))
    assert "/reschedule/" not in page
    session = draft.sessions.first()
    assert session is not None
    response = staff_client.post(
        f"/staff/sessions/{session.pk}/reschedule/",
        {"date": fa(FIRST + dt.timedelta(days=1)), "time": "16:00", "reason": "x"},
    )
    assert response.status_code == 200
    assert shows(response, gettext("Only a published offering's sessions are rescheduled."))


# --- holidays -------------------------------------------------------------------------------


def test_center_staff_add_a_closure_that_moves_published_sessions(
    staff_client: Client, published: Offering, center: Center
):
    moved_day = FIRST + dt.timedelta(days=7)
    response = staff_client.post(
        "/staff/holidays/1403/add/",
        {"date": fa(moved_day), "name": HOLIDAY_NAME, "reason": "تعمیرات"},
        follow=True,
    )
    closure = Holiday.objects.get(name=HOLIDAY_NAME)
    assert (closure.source, closure.center, closure.date) == (
        HolidaySource.CENTER,
        center,
        moved_day,
    )
    assert response.redirect_chain[-1][0] == "/staff/holidays/1403/"
    page = text_of(response)
    assert HOLIDAY_NAME in page
    days = [to_tehran(s.starts_at).date() for s in published.sessions.order_by("starts_at")]
    assert moved_day not in days
    assert days[-1] == FIRST + dt.timedelta(days=28)  # to the offering's next free Saturday
    assert published.course.title in page  # the message names the moved session
    assert AuditLogEntry.objects.filter(action="session.rescheduled").count() == 1


def test_center_staff_cannot_add_official_holidays_or_sync(staff_client: Client):
    form_page = text_of(staff_client.get("/staff/holidays/1403/"))
    assert 'name="province"' not in form_page and 'name="center"' not in form_page
    assert "/sync/" not in form_page
    assert staff_client.post("/staff/holidays/1403/sync/").status_code == 403
    assert not Holiday.objects.exists()


def test_an_administrator_syncs_moves_and_removes_official_holidays(client: Client, admin: User):
    client.force_login(admin)
    response = client.post("/staff/holidays/1403/sync/", follow=True)
    assert response.status_code == 200
    assert Holiday.objects.filter(jalali_year=1403, source=HolidaySource.OFFICIAL).count() > 10
    nowruz = Holiday.objects.filter(date=dt.date(2024, 3, 20)).first()  # 1403/01/01
    assert nowruz is not None and nowruz.name in text_of(response)
    assert "Calendar-1403" in text_of(response)  # each official date names its source
    added = AuditLogEntry.objects.filter(action="holiday.added")
    assert added.count() == Holiday.objects.count()
    assert set(added.values_list("actor", flat=True)) == {admin.pk}

    estimate = Holiday.objects.filter(jalali_year=1403).first()
    assert estimate is not None
    new_day = estimate.date + dt.timedelta(days=1)
    client.post(f"/staff/holidays/item/{estimate.pk}/move/", {"date": fa(new_day)})
    estimate.refresh_from_db()
    assert estimate.date == new_day and not estimate.is_estimate

    client.post(f"/staff/holidays/item/{estimate.pk}/remove/")
    estimate.refresh_from_db()
    assert estimate.is_removed


def test_an_administrator_adds_a_national_holiday(client: Client, admin: User):
    client.force_login(admin)
    client.post("/staff/holidays/1403/add/", {"date": "۱۴۰۳/۰۵/۰۱", "name": "تعطیلی ملی"})
    holiday = Holiday.objects.get(name="تعطیلی ملی")
    assert (holiday.source, holiday.center, holiday.jalali_year) == (
        HolidaySource.OFFICIAL,
        None,
        1403,
    )


def test_center_staff_cannot_move_an_official_holiday(staff_client: Client):
    official = HolidayFactory.create(date=HOLIDAY_DAY)
    response = staff_client.post(
        f"/staff/holidays/item/{official.pk}/move/", {"date": fa(HOLIDAY_DAY)}, follow=True
    )
    assert shows(response, gettext("Only an administrator changes the official holidays."))
    official.refresh_from_db()
    assert official.date == HOLIDAY_DAY


def test_an_invalid_holiday_form_shows_its_errors(staff_client: Client):
    response = staff_client.post("/staff/holidays/1403/add/", {"date": "1403/13/01", "name": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"date", "name"}
    assert not Holiday.objects.exists()


# --- the Jalali month -------------------------------------------------------------------------


def test_the_month_view_is_a_jalali_grid_with_holidays_and_sessions(
    staff_client: Client, published: Offering, center: Center
):
    HolidayFactory.create(
        date=dt.date(2024, 5, 1), name="روز کارگر آزمایشی"
    )  # Wednesday 1403/02/12
    HolidayFactory.create(
        date=dt.date(2024, 5, 2), name="بستن مرکز دیگر", source=HolidaySource.CENTER,
        center=CenterFactory.create(),
    )  # fmt: skip
    response = staff_client.get("/staff/calendar/1403/2/")
    page = text_of(response)
    assert response.status_code == 200
    assert "اردیبهشت" in page and "۱۴۰۳" in page
    days = re.findall(r'data-testid="day" data-date="([\d-]+)"', page)
    assert len(days) == 31  # Ordibehesht has 31 days
    assert days[0] == "2024-04-20" and days[-1] == "2024-05-20"
    headers = re.findall(r'<th scope="col"[^>]* title="([^"]+)">', page)
    assert headers == list(WEEKDAYS_FA)
    assert "۳۱" in page
    assert "روز کارگر آزمایشی" in page
    assert "بستن مرکز دیگر" not in page  # another center's closure
    # the holiday's cell is highlighted, and Fridays are shaded
    holiday_cell = re.search(r'<td class="([^"]*)" data-testid="day" data-date="2024-05-01"', page)
    assert holiday_cell and "bg-danger-subtle" in holiday_cell.group(1)
    friday_cell = re.search(r'<td class="([^"]*)" data-testid="day" data-date="2024-04-26"', page)
    assert friday_cell and "bg-body-secondary" in friday_cell.group(1)
    # the four Saturday sessions of the offering, with title and Tehran time
    grid = page[page.index('data-testid="month-grid"') : page.index("</table>")]
    assert grid.count('data-testid="session"') == 3  # three Saturdays in Ordibehesht
    assert published.course.title in grid
    assert "۱۶:۰۰" in page
    assert 'href="/staff/calendar/1403/1/"' in page and 'href="/staff/calendar/1403/3/"' in page


def test_the_month_view_crosses_the_year_and_refuses_nonsense(staff_client: Client):
    page = text_of(staff_client.get("/staff/calendar/1403/12/"))
    assert 'href="/staff/calendar/1404/1/"' in page
    assert 'href="/staff/calendar/1403/11/"' in page
    assert page.count('data-testid="day"') == 30  # 1403 is a leap year: Esfand has 30 days
    assert staff_client.get("/staff/calendar/1403/13/").status_code == 404
    assert staff_client.get("/staff/calendar/2024/5/").status_code == 404
    assert staff_client.get("/staff/calendar/").status_code == 302


def test_an_administrator_chooses_the_center_of_the_month(
    client: Client, admin: User, published: Offering, center: Center
):
    client.force_login(admin)
    everyone = text_of(client.get("/staff/calendar/1403/2/"))
    assert published.course.title in everyone
    other = CenterFactory.create()
    only_other = text_of(client.get(f"/staff/calendar/1403/2/?center={other.pk}"))
    assert published.course.title not in only_other
    assert f"?center={other.pk}" in only_other  # month links keep the choice


def test_sessions_shown_are_not_cancelled(staff_client: Client, published: Offering):
    session = published.sessions.order_by("starts_at").first()
    assert session is not None
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    page = text_of(staff_client.get("/staff/calendar/1403/2/"))
    grid = page[page.index('data-testid="month-grid"') : page.index("</table>")]
    assert grid.count('data-testid="session"') == 2


def test_the_holidays_page_names_each_source_in_persian_and_links_the_document(
    staff_client: Client,
):
    """Staff read where a date comes from in Persian (rule 11), the published calendar a
    link rather than a long address that overflows a phone's width."""
    services.holiday_sync_official(jalali_year=1403)
    text = text_of(staff_client.get("/staff/holidays/1403/"))
    assert gettext("A fixed Jalali date, by the law of the country's official holidays") in text
    assert "۱۴۰۳" in text and "Calendar Center" not in text
    assert "fixed Jalali date" not in text
    page = staff_client.get("/staff/holidays/1403/").content.decode()
    assert re.search(r'<a href="https://calendar\.ut\.ac\.ir/[^"]+"', page)
