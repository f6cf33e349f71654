"""Generating an offering's sessions from its weekly pattern against the holiday calendar in
the database: every promised session (P1), none on an official holiday or a closure (P4)."""

from __future__ import annotations

import datetime as dt

import holidays as holiday_data
import jdatetime
import pytest

from kargah.accounts.tests.factories import CenterFactory, ProvinceFactory, StaffFactory
from kargah.catalog import services
from kargah.catalog.models import Holiday, HolidaySource, OfferingStatus, Session
from kargah.catalog.selectors import closed_days
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import HolidayFactory, InstructorFactory, OfferingFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN, format_jalali_date

pytestmark = pytest.mark.django_db

DAILY = [{"weekday": w, "start": "16:00"} for w in range(7)]
NOWRUZ_1403 = [
    dt.date(2024, 3, 20),
    dt.date(2024, 3, 21),
    dt.date(2024, 3, 22),
    dt.date(2024, 3, 23),
]
FARVARDIN_12_13_1403 = [dt.date(2024, 3, 31), dt.date(2024, 4, 1)]


def session_days(offering):
    return [s.starts_at.astimezone(TEHRAN).date() for s in offering.sessions.order_by("starts_at")]


def jalali(day):
    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.year}/{j.month:02d}/{j.day:02d}"


# --- Nowruz ---------------------------------------------------------------------------------


def test_daily_pattern_across_nowruz_skips_the_holidays_and_keeps_the_count(
    official_holidays, make_offering, staff
):
    """P4 with P1: from 1402/12/25 every day at 16:00, twenty sessions; none on 1–4
    Farvardin or 12–13 Farvardin 1403 (nor the other official holidays on the way), and
    the plan names each skipped day."""
    offering = make_offering(first_date=dt.date(2024, 3, 15), pattern=DAILY, count=20)
    plan = services.offering_preview(offering=offering)

    days = session_days(offering)
    assert len(days) == offering.course.session_count == 20
    for holiday in NOWRUZ_1403 + FARVARDIN_12_13_1403:
        assert holiday not in days
    skipped = dict(plan.skipped)
    for holiday in NOWRUZ_1403 + FARVARDIN_12_13_1403:
        assert holiday in skipped
    assert "نوروز" in skipped[dt.date(2024, 3, 21)]
    assert "جمهوری اسلامی" in skipped[dt.date(2024, 3, 31)]
    assert "روز طبیعت" in skipped[dt.date(2024, 4, 1)]
    # 29 Esfand 1402 (oil nationalisation) and Eid al-Fitr 1403 lie on the way too.
    assert [jalali(day) for day, _name in plan.skipped] == [
        "1402/12/29",
        "1403/01/01",
        "1403/01/02",
        "1403/01/03",
        "1403/01/04",
        "1403/01/12",
        "1403/01/13",
        "1403/01/22",
        "1403/01/23",
    ]
    assert [jalali(day) for day in days] == [
        "1402/12/25", "1402/12/26", "1402/12/27", "1402/12/28",
        "1403/01/05", "1403/01/06", "1403/01/07", "1403/01/08", "1403/01/09",
        "1403/01/10", "1403/01/11", "1403/01/14", "1403/01/15", "1403/01/16",
        "1403/01/17", "1403/01/18", "1403/01/19", "1403/01/20", "1403/01/21",
        "1403/01/24",
    ]  # fmt: skip
    # The numbers follow time, and each session is 16:00 Tehran time.
    sessions = list(offering.sessions.order_by("starts_at"))
    assert [s.number for s in sessions] == list(range(1, 21))
    assert {s.starts_at.astimezone(TEHRAN).time() for s in sessions} == {dt.time(16, 0)}
    audit = AuditLogEntry.objects.get(action="offering.sessions_generated")
    assert audit.after is not None
    assert audit.after["skipped"][:2] == ["2024-03-19", "2024-03-20"]
    assert len(audit.after["sessions"]) == 20


def test_several_weekdays_across_nowruz(official_holidays, make_offering):
    """P4: Saturday, Monday and Wednesday from 1402/12/25 hit 1 and 4 Farvardin and 13
    Farvardin 1403; those are skipped and the eight sessions are still delivered."""
    pattern = [
        {"weekday": 0, "start": "10:00"},
        {"weekday": 2, "start": "10:00"},
        {"weekday": 4, "start": "17:30"},
    ]
    offering = make_offering(first_date=dt.date(2024, 3, 15), pattern=pattern, count=8)
    plan = services.offering_preview(offering=offering)
    days = session_days(offering)

    assert len(days) == 8
    assert not set(days) & set(NOWRUZ_1403 + FARVARDIN_12_13_1403)
    assert [day for day, _name in plan.skipped] == [
        dt.date(2024, 3, 20),  # Wednesday, 1 Farvardin
        dt.date(2024, 3, 23),  # Saturday, 4 Farvardin
        dt.date(2024, 4, 1),  # Monday, 13 Farvardin
    ]
    assert days == [
        dt.date(2024, 3, 16),
        dt.date(2024, 3, 18),
        dt.date(2024, 3, 25),
        dt.date(2024, 3, 27),
        dt.date(2024, 3, 30),
        dt.date(2024, 4, 3),
        dt.date(2024, 4, 6),
        dt.date(2024, 4, 8),
    ]


# --- lunar holidays ---------------------------------------------------------------------------


def test_tasua_and_ashura_1403_are_skipped_and_the_count_kept(official_holidays, make_offering):
    """P4: Monday and Tuesday classes from 2024-07-01 lose 15 and 16 July (Tasua, Ashura)
    and get two more sessions at the end (P1)."""
    pattern = [{"weekday": 2, "start": "16:00"}, {"weekday": 3, "start": "16:00"}]
    offering = make_offering(first_date=dt.date(2024, 7, 1), pattern=pattern, count=6)
    plan = services.offering_preview(offering=offering)

    assert session_days(offering) == [
        dt.date(2024, 7, 1),
        dt.date(2024, 7, 2),
        dt.date(2024, 7, 8),
        dt.date(2024, 7, 9),
        dt.date(2024, 7, 22),
        dt.date(2024, 7, 23),
    ]
    assert plan.skipped == [
        (dt.date(2024, 7, 15), "تاسوعای حسینی"),
        (dt.date(2024, 7, 16), "عاشورای حسینی"),
    ]


def test_eid_al_fitr_1403_is_skipped(official_holidays, make_offering):
    pattern = [{"weekday": 4, "start": "09:00"}, {"weekday": 5, "start": "09:00"}]
    offering = make_offering(first_date=dt.date(2024, 4, 3), pattern=pattern, count=4)
    assert session_days(offering) == [
        dt.date(2024, 4, 3),
        dt.date(2024, 4, 4),
        dt.date(2024, 4, 17),
        dt.date(2024, 4, 18),
    ]
    skipped = dict(services.offering_preview(offering=offering).skipped)
    assert set(skipped) == {dt.date(2024, 4, 10), dt.date(2024, 4, 11)}
    assert "فطر" in skipped[dt.date(2024, 4, 10)]


def test_a_first_date_on_a_holiday_starts_on_the_next_free_pattern_day(
    official_holidays, make_offering
):
    """P4: the first date is Eid al-Adha 1403 (Monday 2024-06-17); the first session is on
    the next pattern day, Wednesday 2024-06-19."""
    pattern = [{"weekday": 2, "start": "16:00"}, {"weekday": 4, "start": "16:00"}]
    offering = make_offering(first_date=dt.date(2024, 6, 17), pattern=pattern, count=3)
    assert session_days(offering) == [
        dt.date(2024, 6, 19),
        dt.date(2024, 6, 24),
        dt.date(2024, 6, 26),
    ]
    first = offering.sessions.get(number=1)
    assert first.starts_at == tehran(dt.date(2024, 6, 19), 16)


# --- the end of the leap year 1403 ----------------------------------------------------------


def test_the_package_makes_esfand_30_1403_a_holiday(official_holidays):
    """What the package says of 1403/12/30 (2025-03-20) is what the calendar holds."""
    package = holiday_data.country_holidays("IR", years=2025, language="fa_IR")
    assert package.get(dt.date(2025, 3, 20)) == "آخرین روز سال"
    row = Holiday.objects.get(date=dt.date(2025, 3, 20))
    assert (row.name, row.jalali_year, row.source) == ("آخرین روز سال", 1403, "official")
    assert jalali(dt.date(2025, 3, 20)) == "1403/12/30"
    # The next day is 1 Farvardin 1404 and belongs to 1404.
    assert Holiday.objects.filter(date=dt.date(2025, 3, 21), jalali_year=1404).exists()


def test_daily_pattern_across_esfand_30_1403_and_nowruz_1404(official_holidays, make_offering):
    """P4 at the turn of the leap year: 29 Esfand (oil), 30 Esfand (last day of the year,
    a holiday in the package) and 1–4 Farvardin 1404 are skipped; P1: five sessions on the
    right Jalali dates."""
    offering = make_offering(first_date=dt.date(2025, 3, 17), pattern=DAILY, count=5)
    plan = services.offering_preview(offering=offering)
    days = session_days(offering)

    assert [jalali(day) for day in days] == [
        "1403/12/27",
        "1403/12/28",
        "1404/01/05",
        "1404/01/06",
        "1404/01/07",
    ]
    assert [jalali(day) for day, _name in plan.skipped] == [
        "1403/12/29",
        "1403/12/30",
        "1404/01/01",
        "1404/01/02",
        "1404/01/03",
        "1404/01/04",
    ]
    assert format_jalali_date(offering.sessions.get(number=3).starts_at) == "۱۴۰۴/۰۱/۰۵"


def test_esfand_30_1403_carries_a_session_once_staff_remove_that_holiday(
    official_holidays, make_offering, admin, staff
):
    """Either way the plan is right: without the «last day of the year» holiday, 1403/12/30
    is an ordinary Thursday and carries the session; Nowruz 1404 is still skipped."""
    last_day = Holiday.objects.get(date=dt.date(2025, 3, 20))
    services.holiday_remove(actor=admin, holiday=last_day)
    pattern = [{"weekday": 5, "start": "10:00"}, {"weekday": 0, "start": "10:00"}]
    offering = make_offering(first_date=dt.date(2025, 3, 13), pattern=pattern, count=4)
    days = session_days(offering)
    assert [jalali(day) for day in days] == [
        "1403/12/23",  # Thursday
        "1403/12/25",  # Saturday
        "1403/12/30",  # Thursday, 2025-03-20
        "1404/01/07",  # Thursday; Saturday 1404/01/02 is Nowruz
    ]
    assert dt.date(2025, 3, 22) in dict(services.offering_preview(offering=offering).skipped)


# --- closures and provincial holidays --------------------------------------------------------


def test_a_closure_and_a_provincial_holiday_apply_only_where_they_belong(make_offering):
    """P4: a center's closure stops its own classes only; a province's holiday stops the
    classes of that province's centers only."""
    tehran_province, fars = ProvinceFactory.create(), ProvinceFactory.create()
    home = CenterFactory.create(province=tehran_province)
    neighbour = CenterFactory.create(province=tehran_province)
    far = CenterFactory.create(province=fars)
    closure_day, provincial_day = dt.date(2024, 5, 11), dt.date(2024, 5, 18)  # Saturdays
    HolidayFactory.create(
        date=closure_day, name="تعمیرات", source=HolidaySource.CENTER, center=home
    )
    HolidayFactory.create(date=provincial_day, name="تعطیلی استانی", province=tehran_province)

    def days_at(where):
        offering = make_offering(first_date=dt.date(2024, 5, 4), count=4, offering_center=where)
        return session_days(offering)

    may_4, may_25, june_1 = dt.date(2024, 5, 4), dt.date(2024, 5, 25), dt.date(2024, 6, 1)
    assert days_at(home) == [may_4, may_25, june_1, dt.date(2024, 6, 8)]
    assert days_at(neighbour) == [may_4, closure_day, may_25, june_1]
    assert days_at(far) == [may_4, closure_day, provincial_day, may_25]

    window = {"start": closure_day, "end": provincial_day}
    assert set(closed_days(center=home, **window)) == {closure_day, provincial_day}
    assert set(closed_days(center=neighbour, **window)) == {provincial_day}
    assert closed_days(center=far, **window) == {}


def test_a_removed_holiday_no_longer_closes_a_day(make_offering):
    HolidayFactory.create(date=dt.date(2024, 5, 11), is_removed=True)
    offering = make_offering(first_date=dt.date(2024, 5, 11), count=1)
    assert session_days(offering) == [dt.date(2024, 5, 11)]


# --- times -----------------------------------------------------------------------------------


def test_sessions_are_stored_in_tehran_time_summer_and_winter(make_offering):
    """P1 announces the exact time: 16:00 Tehran is 12:30 UTC in summer 2024 as in winter
    (Iran has had no daylight saving since 2022)."""
    for first_date in (dt.date(2024, 1, 6), dt.date(2024, 7, 6)):
        offering = make_offering(first_date=first_date, count=1, minutes=90)
        session = offering.sessions.get()
        session.refresh_from_db()
        assert session.starts_at.astimezone(dt.UTC) == dt.datetime.combine(
            first_date, dt.time(12, 30), dt.UTC
        )
        assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)


# --- instructor clashes ------------------------------------------------------------------------


def test_an_instructor_clash_is_refused_naming_both_courses(make_offering, staff, center):
    """An instructor cannot teach two classes at once; the refusal names both (P1: the
    published times must be deliverable). Nothing is written."""
    teacher = InstructorFactory.create(center=center)
    make_offering(
        first_date=dt.date(2024, 5, 4), title="نقاشی با آبرنگ", instructors=[teacher], count=4
    )
    second = make_offering(
        first_date=dt.date(2024, 5, 18),
        title="قصه‌گویی خلاق",
        instructors=[teacher],
        pattern=[{"weekday": 0, "start": "16:30"}],
        count=4,
        generate=False,
    )
    audits = AuditLogEntry.objects.count()

    with pytest.raises(DomainError) as caught:
        services.offering_generate_sessions(actor=staff, offering=second)

    assert caught.value.code == "instructor_clash"
    assert "نقاشی با آبرنگ" in caught.value.message
    assert "قصه‌گویی خلاق" in caught.value.message
    assert len(caught.value.extra["clashes"]) == 2  # 18 and 25 May overlap
    assert second.sessions.count() == 0
    assert AuditLogEntry.objects.count() == audits


def test_a_clash_keeps_the_sessions_a_draft_already_had(make_offering, staff, center):
    teacher = InstructorFactory.create(center=center)
    make_offering(first_date=dt.date(2024, 5, 4), instructors=[teacher], count=2)
    draft = make_offering(
        first_date=dt.date(2024, 5, 5),
        instructors=[teacher],
        pattern=[{"weekday": 1, "start": "16:00"}],
        count=2,
    )
    before = list(draft.sessions.values_list("starts_at", flat=True))
    draft.weekly_pattern = [{"weekday": 0, "start": "16:15"}]
    draft.save()
    with pytest.raises(DomainError):
        services.offering_generate_sessions(actor=staff, offering=draft)
    assert list(draft.sessions.values_list("starts_at", flat=True)) == before


def test_back_to_back_classes_and_other_instructors_do_not_clash(make_offering, center):
    teacher = InstructorFactory.create(center=center)
    make_offering(first_date=dt.date(2024, 5, 4), instructors=[teacher], count=2, minutes=60)
    later = make_offering(
        first_date=dt.date(2024, 5, 4),
        instructors=[teacher],
        pattern=[{"weekday": 0, "start": "17:00"}],
        count=2,
    )
    same_time = make_offering(first_date=dt.date(2024, 5, 4), count=2)
    assert later.sessions.count() == 2
    assert same_time.sessions.count() == 2


def test_a_cancelled_offering_does_not_block_its_instructor(make_offering, staff, center):
    teacher = InstructorFactory.create(center=center)
    old = make_offering(first_date=dt.date(2024, 5, 4), instructors=[teacher], count=2)
    old.status = OfferingStatus.CANCELLED
    old.save()
    again = make_offering(first_date=dt.date(2024, 5, 4), instructors=[teacher], count=2)
    assert again.sessions.count() == 2


# --- regeneration and permissions ----------------------------------------------------------------


def test_regenerating_a_draft_replaces_its_sessions(make_offering, staff):
    offering = make_offering(first_date=dt.date(2024, 5, 4), count=3)
    offering.weekly_pattern = [{"weekday": 2, "start": "18:00"}]
    offering.save()
    services.offering_generate_sessions(actor=staff, offering=offering)
    assert Session.objects.filter(offering=offering).count() == 3
    assert session_days(offering) == [
        dt.date(2024, 5, 6),
        dt.date(2024, 5, 13),
        dt.date(2024, 5, 20),
    ]


def test_only_the_centers_own_staff_generate(make_offering):
    offering = make_offering(first_date=dt.date(2024, 5, 4), count=2, generate=False)
    stranger = StaffFactory.create()
    with pytest.raises(NotAllowed):
        services.offering_generate_sessions(actor=stranger, offering=offering)
    assert offering.sessions.count() == 0


def test_preview_needs_a_first_date():
    offering = OfferingFactory.create(first_date=None, registration_closes_at=None)
    with pytest.raises(DomainError) as caught:
        services.offering_preview(offering=offering)
    assert caught.value.code == "first_date"


def test_offering_create_generates_the_sessions(center, staff, official_holidays):
    """The service that creates a draft plans its sessions at once, skipping Nowruz."""
    from kargah.catalog.tests.factories import CourseFactory, TermFactory

    course = CourseFactory.create(center=center, session_count=3)
    teacher = InstructorFactory.create(center=center)
    offering = services.offering_create(
        actor=staff,
        course=course,
        term=TermFactory.create(center=center),
        instructors=[teacher],
        capacity=20,
        quorum=5,
        fee_rials=5_000_000,
        registration_opens_at=tehran(dt.date(2024, 2, 20), 9),
        registration_closes_at=tehran(dt.date(2024, 3, 10), 0),
        weekly_pattern=[{"weekday": 0, "start": "16:00"}],
        first_date=dt.date(2024, 3, 16),
    )
    assert offering.status == OfferingStatus.DRAFT
    assert session_days(offering) == [
        dt.date(2024, 3, 16),
        dt.date(2024, 3, 30),
        dt.date(2024, 4, 6),
    ]
    assert offering.weekday_mask == 1
    assert offering.time_of_day == "afternoon"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("term_of_another_center", "term"),
        ("instructor_of_another_center", "instructor"),
        ("quorum_above_capacity", "capacity"),
    ],
)
def test_offering_create_refuses_bad_input(center, staff, change, code):
    from kargah.catalog.tests.factories import CourseFactory, TermFactory

    course = CourseFactory.create(center=center)
    kwargs = {
        "actor": staff,
        "course": course,
        "term": TermFactory.create(center=center),
        "instructors": [InstructorFactory.create(center=center)],
        "capacity": 20,
        "quorum": 5,
        "fee_rials": 5_000_000,
        "registration_opens_at": None,
        "registration_closes_at": None,
        "weekly_pattern": [{"weekday": 0, "start": "16:00"}],
        "first_date": dt.date(2024, 5, 4),
    }
    if change == "term_of_another_center":
        kwargs["term"] = TermFactory.create()
    elif change == "instructor_of_another_center":
        kwargs["instructors"] = [InstructorFactory.create()]
    else:
        kwargs["quorum"] = 21
    count = course.offerings.count()
    with pytest.raises(DomainError) as caught:
        services.offering_create(**kwargs)
    assert caught.value.code == code
    assert course.offerings.count() == count
