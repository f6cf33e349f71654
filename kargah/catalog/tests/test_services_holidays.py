"""The holiday calendar: official holidays from the shipped official calendar (the package
for years not yet published), closures, and what happens to published sessions when a
holiday is added or moved afterwards (P4 through DOMAIN rule 1)."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest

from kargah.accounts.tests.factories import CenterFactory, ProvinceFactory, StaffFactory
from kargah.catalog import official_calendar, services
from kargah.catalog.models import Holiday, HolidaySource, Offering
from kargah.catalog.schedule import iranian_weekday
from kargah.catalog.selectors import closed_days
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import EnrollmentFactory, HolidayFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 5, 4)  # Saturday 1403/02/15


def days_and_numbers(offering):
    return [
        (s.starts_at.astimezone(TEHRAN).date(), s.number)
        for s in offering.sessions.order_by("starts_at")
    ]


@pytest.fixture
def publish(staff):
    def _publish(draft: Offering) -> Offering:
        return services.offering_publish(actor=staff, offering=draft)

    return _publish


@pytest.fixture
def offering(make_offering, publish) -> Offering:
    """Published, with two enrolled families: Saturdays 16:00, 5/4, 5/11, 5/18, 5/25."""
    published = publish(make_offering(first_date=FIRST, count=4, title="رباتیک مقدماتی"))
    EnrollmentFactory.create(offering=published)
    EnrollmentFactory.create(offering=published)
    return published


# --- the official calendar from the package ------------------------------------------------


def test_sync_is_idempotent():
    """P4: the official holidays are loaded once; a second run adds nothing."""
    created = services.holiday_sync_official(jalali_year=1403)
    rows = Holiday.objects.count()
    assert created == rows > 20

    assert services.holiday_sync_official(jalali_year=1403) == 0
    assert Holiday.objects.count() == rows


def test_sync_keeps_one_row_per_holiday_name_within_the_jalali_year():
    services.holiday_sync_official(jalali_year=1403)
    first, last = dt.date(2024, 3, 20), dt.date(2025, 3, 20)
    years = set(Holiday.objects.values_list("jalali_year", flat=True))
    assert years == {1403}
    assert all(first <= h.date <= last for h in Holiday.objects.all())
    # 1404/01/02 is outside 1403; 1403/12/30 is inside.
    assert Holiday.objects.filter(date=dt.date(2025, 3, 20)).exists()
    assert not Holiday.objects.filter(date=dt.date(2025, 3, 21)).exists()
    # Two holidays on one day (13 Farvardin: nature day and the martyrdom of Imam Ali)
    # are two rows, and closed_days joins their names.
    assert Holiday.objects.filter(date=dt.date(2024, 4, 1)).count() == 2
    center = CenterFactory.create()
    name = closed_days(center=center, start=dt.date(2024, 4, 1), end=dt.date(2024, 4, 1))
    assert "روز طبیعت" in name[dt.date(2024, 4, 1)]
    assert "شهادت حضرت علی" in name[dt.date(2024, 4, 1)]
    assert all(
        h.source == HolidaySource.OFFICIAL and not h.is_estimate for h in Holiday.objects.all()
    )


def test_lunar_holidays_beyond_the_packages_table_are_marked_estimates():
    """P4: far-off lunar dates are estimates; the name is kept clean and the row marked,
    so staff know to move it when the date is announced."""
    assert services.holiday_sync_official(jalali_year=1409) > 0
    rows = list(Holiday.objects.filter(jalali_year=1409))
    estimates = [h for h in rows if h.is_estimate]
    assert estimates
    assert not [h for h in rows if "تخمینی" in h.name]
    assert any("عاشورا" in h.name for h in estimates)
    nowruz = Holiday.objects.get(date=dt.date(2030, 3, 21))
    assert (nowruz.name, nowruz.is_estimate) == ("جشن نوروز", False)
    first, last = jdatetime.date(1409, 1, 1).togregorian(), jdatetime.date(1409, 12, 29)
    assert all(first <= h.date <= last.togregorian() for h in rows)
    assert services.holiday_sync_official(jalali_year=1409) == 0


def test_a_removed_holiday_stays_removed_after_another_sync(admin):
    services.holiday_sync_official(jalali_year=1403)
    tasua = Holiday.objects.get(date=dt.date(2024, 7, 15))
    center = CenterFactory.create()
    assert dt.date(2024, 7, 15) in closed_days(
        center=center, start=dt.date(2024, 7, 15), end=dt.date(2024, 7, 15)
    )

    services.holiday_remove(actor=admin, holiday=tasua)
    assert services.holiday_sync_official(jalali_year=1403) == 0

    tasua.refresh_from_db()
    assert tasua.is_removed
    assert Holiday.objects.filter(name=tasua.name).count() == 1
    assert closed_days(center=center, start=dt.date(2024, 7, 15), end=dt.date(2024, 7, 15)) == {}
    entry = AuditLogEntry.objects.get(action="holiday.removed")
    assert entry.before == {"date": "2024-07-15"}


def test_a_moved_holiday_stays_moved_after_another_sync(admin):
    services.holiday_sync_official(jalali_year=1409)
    estimate = Holiday.objects.filter(jalali_year=1409, is_estimate=True).order_by("date").first()
    assert estimate is not None
    announced = estimate.date + dt.timedelta(days=1)

    services.holiday_move(actor=admin, holiday=estimate, date=announced)
    assert services.holiday_sync_official(jalali_year=1409) == 0

    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_estimate) == (announced, False)
    assert (
        Holiday.objects.filter(name=estimate.name, package_date=estimate.package_date).count() == 1
    )


# --- a holiday added after publishing ----------------------------------------------------------


def test_a_holiday_added_after_publishing_moves_the_session_it_hits(offering, admin):
    """P4 through DOMAIN rule 1: the session on the new holiday moves to the first free
    pattern slot after the last session, recorded and told to each family; the offering
    keeps its promised number of sessions (P1), numbered by time."""
    holiday, moved = services.holiday_add(
        actor=admin, date=dt.date(2024, 5, 11), name="تعطیلی اضطراری", reason=""
    )

    assert len(moved) == 1
    new_start = moved[0].starts_at.astimezone(TEHRAN)
    assert new_start == tehran(dt.date(2024, 6, 1), 16)
    assert iranian_weekday(new_start.date()) == 0
    assert new_start.date() not in closed_days(
        center=offering.center, start=new_start.date(), end=new_start.date()
    )
    assert days_and_numbers(offering) == [
        (dt.date(2024, 5, 4), 1),
        (dt.date(2024, 5, 18), 2),
        (dt.date(2024, 5, 25), 3),
        (dt.date(2024, 6, 1), 4),
    ]
    assert offering.sessions.count() == offering.course.session_count

    added = AuditLogEntry.objects.get(action="holiday.added")
    assert added.object_id == str(holiday.pk)
    change = AuditLogEntry.objects.get(action="session.rescheduled")
    assert change.object_id == str(moved[0].pk)
    assert "تعطیلی اضطراری" in change.reason
    messages = OutboxMessage.objects.filter(kind="schedule_change")
    assert messages.count() == 2
    assert all("۱۴۰۳/۰۳/۱۲" in m.body for m in messages)  # 2024-06-01


def test_the_moved_session_skips_holidays_and_the_instructors_other_classes(
    offering, admin, make_offering
):
    """The next free slot is no holiday (6/1 is a closure) and keeps the instructor free
    (6/8 is taken by another of the instructor's classes): the session goes to 6/15."""
    HolidayFactory.create(date=dt.date(2024, 6, 1), source="center", center=offering.center)
    make_offering(
        first_date=dt.date(2024, 6, 8),
        instructors=list(offering.instructors.all()),
        count=1,
        pattern=[{"weekday": 0, "start": "16:30"}],
    )
    _holiday, moved = services.holiday_add(
        actor=admin, date=dt.date(2024, 5, 18), name="تعطیلی", reason="اعلام استانداری"
    )
    assert [m.starts_at for m in moved] == [tehran(dt.date(2024, 6, 15), 16)]
    assert AuditLogEntry.objects.get(action="session.rescheduled").reason == "اعلام استانداری"
    assert offering.sessions.count() == 4


def test_two_offerings_hit_drafts_left_alone(offering, admin, make_offering, publish):
    other = publish(make_offering(first_date=FIRST, count=2))
    draft = make_offering(first_date=FIRST, count=2)
    draft_times = list(draft.sessions.values_list("starts_at", flat=True))

    _holiday, moved = services.holiday_add(actor=admin, date=FIRST, name="تعطیلی")

    assert sorted(m.offering_id for m in moved) == sorted([offering.pk, other.pk])
    assert list(draft.sessions.values_list("starts_at", flat=True)) == draft_times
    assert days_and_numbers(other) == [(dt.date(2024, 5, 11), 1), (dt.date(2024, 5, 18), 2)]


def test_a_closure_moves_only_its_own_centers_sessions(offering, staff, make_offering):
    elsewhere = CenterFactory.create(province=offering.center.province)
    foreign = make_offering(first_date=FIRST, count=2, offering_center=elsewhere)
    services.offering_publish(actor=StaffFactory.create(center=elsewhere), offering=foreign)

    holiday, moved = services.holiday_add(
        actor=staff, date=dt.date(2024, 5, 11), name="تعمیر سرور", center=offering.center
    )

    assert holiday.source == HolidaySource.CENTER
    assert [m.offering_id for m in moved] == [offering.pk]
    assert days_and_numbers(foreign) == [(FIRST, 1), (dt.date(2024, 5, 11), 2)]


def test_a_provincial_holiday_moves_only_that_provinces_sessions(offering, admin, make_offering):
    elsewhere = CenterFactory.create(province=ProvinceFactory.create())
    foreign = make_offering(first_date=FIRST, count=2, offering_center=elsewhere)
    services.offering_publish(actor=StaffFactory.create(center=elsewhere), offering=foreign)

    holiday, moved = services.holiday_add(
        actor=admin,
        date=dt.date(2024, 5, 11),
        name="تعطیلی استانی",
        province=offering.center.province,
    )

    assert (holiday.source, holiday.province) == (HolidaySource.OFFICIAL, offering.center.province)
    assert [m.offering_id for m in moved] == [offering.pk]
    assert days_and_numbers(foreign) == [(FIRST, 1), (dt.date(2024, 5, 11), 2)]


def test_only_an_administrator_adds_an_official_holiday(offering, staff):
    with pytest.raises(NotAllowed):
        services.holiday_add(actor=staff, date=dt.date(2024, 5, 11), name="تعطیلی")
    with pytest.raises(NotAllowed):
        services.holiday_add(
            actor=StaffFactory.create(),
            date=dt.date(2024, 5, 11),
            name="تعطیلی",
            center=offering.center,
        )
    assert not Holiday.objects.exists()


def test_a_holiday_needs_a_name(admin):
    with pytest.raises(DomainError) as caught:
        services.holiday_add(actor=admin, date=dt.date(2024, 5, 11), name="  ")
    assert caught.value.code == "name"
    assert not Holiday.objects.exists()


def test_the_next_free_slot_may_be_later_on_the_last_sessions_day(make_offering, publish, admin):
    pattern = [
        {"weekday": 0, "start": "10:00"},
        {"weekday": 0, "start": "16:00"},
        {"weekday": 2, "start": "16:00"},
    ]
    # Sat 5/4 10:00, Sat 5/4 16:00, Mon 5/6 16:00, Sat 5/11 10:00 (the last)
    publish(make_offering(first_date=FIRST, count=4, pattern=pattern))
    _holiday, moved = services.holiday_add(actor=admin, date=dt.date(2024, 5, 6), name="تعطیلی")
    assert [m.starts_at for m in moved] == [tehran(dt.date(2024, 5, 11), 16)]


# --- moving and removing ----------------------------------------------------------------------


def test_moving_an_estimated_holiday_to_its_announced_day(make_offering, publish, admin):
    """Lunar holidays are estimates until announced: moving one to its real day moves the
    sessions on that day (the day it leaves is simply free again)."""
    estimate = HolidayFactory.create(date=dt.date(2024, 5, 11), name="عید", is_estimate=True)
    offering = publish(make_offering(first_date=FIRST, count=4))
    assert [d for d, _n in days_and_numbers(offering)] == [
        FIRST,
        dt.date(2024, 5, 18),
        dt.date(2024, 5, 25),
        dt.date(2024, 6, 1),
    ]

    holiday, moved = services.holiday_move(actor=admin, holiday=estimate, date=dt.date(2024, 5, 18))

    assert (holiday.date, holiday.is_estimate, holiday.jalali_year) == (
        dt.date(2024, 5, 18),
        False,
        1403,
    )
    assert [m.starts_at for m in moved] == [tehran(dt.date(2024, 6, 8), 16)]
    assert days_and_numbers(offering) == [
        (FIRST, 1),
        (dt.date(2024, 5, 25), 2),
        (dt.date(2024, 6, 1), 3),
        (dt.date(2024, 6, 8), 4),
    ]
    window = {"start": dt.date(2024, 5, 11), "end": dt.date(2024, 5, 18)}
    assert set(closed_days(center=offering.center, **window)) == {dt.date(2024, 5, 18)}
    entry = AuditLogEntry.objects.get(action="holiday.moved")
    assert (entry.before, entry.after) == ({"date": "2024-05-11"}, {"date": "2024-05-18"})


def test_staff_cannot_move_or_remove_an_official_holiday(staff):
    holiday = HolidayFactory.create(date=dt.date(2024, 5, 11))
    with pytest.raises(NotAllowed):
        services.holiday_move(actor=staff, holiday=holiday, date=dt.date(2024, 5, 12))
    with pytest.raises(NotAllowed):
        services.holiday_remove(actor=staff, holiday=holiday)
    holiday.refresh_from_db()
    assert (holiday.date, holiday.is_removed) == (dt.date(2024, 5, 11), False)


def test_staff_manage_their_own_closures_only(staff, center):
    own = HolidayFactory.create(date=dt.date(2024, 5, 11), source="center", center=center)
    other = HolidayFactory.create(closure=True, date=dt.date(2024, 5, 11))
    services.holiday_move(actor=staff, holiday=own, date=dt.date(2024, 5, 12))
    services.holiday_remove(actor=staff, holiday=own)
    with pytest.raises(NotAllowed):
        services.holiday_remove(actor=staff, holiday=other)
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.date, own.is_removed, other.is_removed) == (dt.date(2024, 5, 12), True, False)


# --- the official calendar over the package's estimates ---------------------------------------

RAMADAN_21_1448 = dt.date(2027, 2, 28)  # 1405/12/09, a Sunday; the package says 2027-03-01


@pytest.fixture
def unpublished_1405(monkeypatch: pytest.MonkeyPatch) -> None:
    """As before the Calendar Center published 1405: only the package knows that year."""
    monkeypatch.setattr(official_calendar, "published_years", lambda: {1402, 1403, 1404})


def test_a_published_year_takes_the_official_dates_with_their_source():
    """P4: for a year the Calendar Center has published, the shipped dates, not the
    package's estimates, each row naming where its date comes from."""
    created = services.holiday_sync_official(jalali_year=1405)

    rows = Holiday.objects.filter(jalali_year=1405)
    assert created == rows.count() == len(official_calendar.shipped_for_year(1405))
    assert not rows.filter(is_estimate=True).exists()
    ali = rows.get(key="imam_ali_martyrdom", date__year=2027)
    assert ali.date == RAMADAN_21_1448
    assert "Calendar-1405" in ali.reference and "1448/9 = 2027-02-08" in ali.reference
    assert not rows.filter(date=dt.date(2027, 3, 1)).exists()
    assert services.holiday_sync_official(jalali_year=1405) == 0


def test_a_published_year_keeps_the_closures_the_government_declared():
    """The package also records one-off closures (seven days of 1404/12 in mourning); no
    calendar rule gives them, and the official sync keeps them."""
    services.holiday_sync_official(jalali_year=1404)
    closures = Holiday.objects.filter(jalali_year=1404, key="")
    assert sorted(h.date for h in closures) == [dt.date(2026, 3, d) for d in range(1, 8)]
    assert not closures.filter(is_estimate=True).exists()


def test_an_unpublished_year_marks_every_lunar_date_of_the_package_an_estimate(unpublished_1405):
    services.holiday_sync_official(jalali_year=1405)
    lunar = Holiday.objects.filter(jalali_year=1405).exclude(key="")
    assert lunar.filter(key="tasua").get().is_estimate  # the package calls 2026 "confirmed"
    assert all(h.is_estimate == official_calendar.is_lunar(h.key) for h in lunar), (
        "solar holidays are fixed, lunar ones estimates"
    )
    assert lunar.get(key="imam_ali_martyrdom", date__year=2027).date == dt.date(2027, 3, 1)
    assert all("holidays" in h.reference for h in lunar)


def test_the_official_date_replaces_the_estimate_and_moves_the_sessions_it_hits(
    unpublished_1405, monkeypatch, make_offering, publish
):
    """Finding 1: an offering published on the package's calendar holds a session, with
    enrolled families, on the official date of the martyrdom of Imam Ali (1405/12/09).
    Syncing the published year moves the estimate there and the session off it, through the
    holiday-added path (audit row and an SMS to each family)."""
    services.holiday_sync_official(jalali_year=1405)
    estimate = Holiday.objects.get(key="imam_ali_martyrdom", date=dt.date(2027, 3, 1))
    estimate_reference = estimate.reference
    offering = publish(
        make_offering(
            first_date=dt.date(2027, 2, 21), count=3, pattern=[{"weekday": 1, "start": "17:00"}]
        )
    )
    EnrollmentFactory.create(offering=offering)
    EnrollmentFactory.create(offering=offering)
    assert [d for d, _n in days_and_numbers(offering)] == [
        dt.date(2027, 2, 21), RAMADAN_21_1448, dt.date(2027, 3, 7),
    ]  # fmt: skip

    monkeypatch.undo()
    assert services.holiday_sync_official(jalali_year=1405) == 0

    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_estimate) == (RAMADAN_21_1448, False)
    assert "Calendar-1405" in estimate.reference
    assert Holiday.objects.filter(key="imam_ali_martyrdom", jalali_year=1405).count() == 1
    # The session on the official date moves to the next free Sunday after the last one.
    assert days_and_numbers(offering) == [
        (dt.date(2027, 2, 21), 1), (dt.date(2027, 3, 7), 2), (dt.date(2027, 3, 14), 3),
    ]  # fmt: skip
    moved = AuditLogEntry.objects.get(action="holiday.moved")
    assert (moved.before, moved.after) == (
        {"date": "2027-03-01", "is_estimate": True, "reference": estimate_reference},
        {"date": "2027-02-28", "is_estimate": False, "reference": estimate.reference},
    )
    assert AuditLogEntry.objects.filter(action="session.rescheduled").count() == 1
    messages = OutboxMessage.objects.filter(kind="schedule_change")
    assert messages.count() == 2
    assert all("۱۴۰۵/۱۲/۰۹" in m.body for m in messages)


def test_an_estimate_staff_removed_stays_removed_when_the_official_date_comes(
    unpublished_1405, monkeypatch, admin
):
    services.holiday_sync_official(jalali_year=1405)
    estimate = Holiday.objects.get(key="imam_ali_martyrdom", date=dt.date(2027, 3, 1))
    services.holiday_remove(actor=admin, holiday=estimate)

    monkeypatch.undo()
    services.holiday_sync_official(jalali_year=1405)

    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_removed) == (dt.date(2027, 3, 1), True)
    assert Holiday.objects.filter(key="imam_ali_martyrdom", jalali_year=1405).count() == 1
    assert not Holiday.objects.filter(date=RAMADAN_21_1448).exists()


def test_an_estimate_staff_moved_stays_where_staff_put_it(unpublished_1405, monkeypatch, admin):
    services.holiday_sync_official(jalali_year=1405)
    estimate = Holiday.objects.get(key="imam_ali_martyrdom", date=dt.date(2027, 3, 1))
    services.holiday_move(actor=admin, holiday=estimate, date=dt.date(2027, 3, 2))

    monkeypatch.undo()
    services.holiday_sync_official(jalali_year=1405)

    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_estimate) == (dt.date(2027, 3, 2), False)
    assert not Holiday.objects.filter(date=RAMADAN_21_1448).exists()


def test_the_packages_confirmed_dates_give_way_to_the_official_calendar(
    unpublished_1405, monkeypatch
):
    """Rows the package gave before (some it calls confirmed, so not marked estimates) are
    still the package's: the official sync moves each to its official date."""
    services.holiday_sync_official(jalali_year=1405)
    Holiday.objects.filter(jalali_year=1405).update(is_estimate=False)

    monkeypatch.undo()
    assert services.holiday_sync_official(jalali_year=1405) == 0

    ali = Holiday.objects.get(key="imam_ali_martyrdom", jalali_year=1405)
    assert (ali.date, ali.is_estimate) == (RAMADAN_21_1448, False)
    assert "Calendar-1405" in ali.reference
    official = {(r.date, r.key) for r in official_calendar.shipped_for_year(1405)}
    synced = set(
        Holiday.objects.filter(jalali_year=1405).exclude(key="").values_list("date", "key")
    )
    assert synced == official
