"""Importing a newly published official holiday list (P4), by command and on the
administrators' page: checked row by row with Persian errors, all or nothing; its dates
replace the estimates and move the sessions they hit through the holiday-added path."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from kargah.accounts.models import User
from kargah.catalog import official_calendar, services
from kargah.catalog.models import Holiday, Offering
from kargah.catalog.tests.conftest import MakeOffering, tehran
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

ESTIMATED_ADHA = dt.date(2027, 5, 17)  # the package's estimate for 10 Dhu al-Hijjah 1447+1
OFFICIAL_ADHA = dt.date(2027, 5, 16)  # a Sunday, 1406/02/26, as the imported list says
LIST = (
    "jalali_date,name,source\n"
    "۱۴۰۶/۰۲/۲۶,عید سعید قربان,تقویم رسمی ۱۴۰۶\n"
    "1406/03/01,تعطیلی عمومی,مصوبه هیئت وزیران\n"
)
URL = "/staff/holidays/import/"


@pytest.fixture(autouse=True)
def persian() -> Iterator[None]:
    with translation.override("fa"):
        yield


@pytest.fixture
def estimates_of_1406(db: None) -> None:
    """1406 is not published: the package's dates, lunar ones estimates."""
    assert 1406 not in official_calendar.published_years()
    services.holiday_sync_official(jalali_year=1406)
    assert Holiday.objects.get(key="eid_al_adha", jalali_year=1406).is_estimate


@pytest.fixture
def sundays(make_offering: MakeOffering, staff: User) -> Offering:
    """Published, two families enrolled: Sundays 17:00 on 2027-05-09, 05-16 and 05-23."""
    offering = make_offering(
        first_date=dt.date(2027, 5, 9), count=3, pattern=[{"weekday": 1, "start": "17:00"}]
    )
    offering = services.offering_publish(actor=staff, offering=offering)
    EnrollmentFactory.create(offering=offering)
    EnrollmentFactory.create(offering=offering)
    return offering


def days(offering: Offering) -> list[dt.date]:
    return [s.starts_at.astimezone(TEHRAN).date() for s in offering.sessions.order_by("starts_at")]


def write(tmp_path: Path, text: str, name: str = "official-1406.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_the_command_replaces_the_estimate_and_moves_the_session_it_hits(
    estimates_of_1406, sundays: Offering, tmp_path: Path
):
    estimate = Holiday.objects.get(key="eid_al_adha", jalali_year=1406)
    assert days(sundays) == [dt.date(2027, 5, 9), OFFICIAL_ADHA, dt.date(2027, 5, 23)]
    out = io.StringIO()

    call_command("holidays_import", str(write(tmp_path, LIST)), stdout=out)

    assert "1 holidays added, 1 estimates replaced, 1 sessions moved" in out.getvalue()
    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_estimate) == (OFFICIAL_ADHA, False)
    assert estimate.reference == "تقویم رسمی ۱۴۰۶ (official-1406.csv)"
    assert Holiday.objects.filter(key="eid_al_adha", jalali_year=1406).count() == 1
    added = Holiday.objects.get(date=dt.date(2027, 5, 22))
    assert (added.name, added.key, added.is_estimate) == ("تعطیلی عمومی", "", False)
    # The session on the official date goes to the next free Sunday after the last one.
    assert days(sundays) == [dt.date(2027, 5, 9), dt.date(2027, 5, 23), dt.date(2027, 5, 30)]
    assert sundays.sessions.get(starts_at=tehran(dt.date(2027, 5, 30), 17)).number == 3
    change = AuditLogEntry.objects.get(action="session.rescheduled")
    assert "عید سعید قربان" in change.reason
    assert AuditLogEntry.objects.filter(action="holiday.moved", object_id=str(estimate.pk))
    messages = OutboxMessage.objects.filter(kind="schedule_change")
    assert messages.count() == 2


def test_every_bad_row_is_reported_and_nothing_is_written(
    estimates_of_1406, sundays: Offering, tmp_path: Path
):
    before = sorted(Holiday.objects.values_list("pk", "date", "is_estimate"))
    bad = (
        "jalali_date,name,gregorian_date\n"
        "1406/02/26,عید سعید قربان,2027-05-16\n"  # right
        "1406/13/01,عید,\n"  # no 13th month
        ",بی‌تاریخ,\n"
        "1406/03/01,,\n"
        "1406/03/02,عید,2027-05-24\n"  # 1406/03/02 is 2027-05-23
        "1406/02/26,عید سعید قربان,\n"  # twice
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("holidays_import", str(write(tmp_path, bad)), stderr=err)

    report = err.getvalue()
    for row in ("row 3, jalali_date", "row 4, jalali_date", "row 5, name"):
        assert row in report
    assert "row 6, gregorian_date" in report and "row 7:" in report
    assert sorted(Holiday.objects.values_list("pk", "date", "is_estimate")) == before
    assert OFFICIAL_ADHA in days(sundays)
    assert not OutboxMessage.objects.filter(kind="schedule_change").exists()


def test_a_confirmed_holiday_on_another_day_refuses_the_whole_list(tmp_path: Path):
    """1405 is published (Tasua on 1405/04/03): a list that puts it on 04/02 is refused,
    naming the row, and its other rows are not written either."""
    services.holiday_sync_official(jalali_year=1405)
    count = Holiday.objects.count()
    text = "jalali_date,name\n1405/09/20,تعطیلی تازه\n1405/04/02,تاسوعای حسینی\n"
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("holidays_import", str(write(tmp_path, text)), stderr=err)
    assert "row 3:" in err.getvalue() and "۱۴۰۵/۰۴/۰۳" in err.getvalue()
    assert Holiday.objects.count() == count


def test_the_shipped_official_file_imports_as_a_list_and_changes_nothing_twice(tmp_path: Path):
    services.holiday_sync_official(jalali_year=1405)
    count = Holiday.objects.count()
    shipped = official_calendar.HOLIDAYS_FILE
    out = io.StringIO()
    call_command("holidays_import", str(shipped), stdout=out)
    # 1402–1404 are added, 1405 is already there.
    assert Holiday.objects.count() == count + sum(
        len(official_calendar.shipped_for_year(y)) for y in (1402, 1403, 1404)
    )
    assert "0 sessions moved" in out.getvalue()


def test_a_removed_estimate_stays_removed(estimates_of_1406, admin: User, tmp_path: Path):
    estimate = Holiday.objects.get(key="eid_al_adha", jalali_year=1406)
    services.holiday_remove(actor=admin, holiday=estimate)
    call_command("holidays_import", str(write(tmp_path, LIST)), stdout=io.StringIO())
    estimate.refresh_from_db()
    assert (estimate.date, estimate.is_removed) == (ESTIMATED_ADHA, True)
    assert not Holiday.objects.filter(date=OFFICIAL_ADHA).exists()


def test_a_later_sync_adds_no_estimate_beside_an_imported_date(tmp_path: Path):
    """Imported first, synced after: the package's estimate of a holiday the list already
    dated is not added next to it (no phantom day off a day later)."""
    call_command("holidays_import", str(write(tmp_path, LIST)), stdout=io.StringIO())
    services.holiday_sync_official(jalali_year=1406)
    adha = Holiday.objects.filter(key="eid_al_adha", jalali_year=1406)
    assert [(h.date, h.is_estimate) for h in adha] == [(OFFICIAL_ADHA, False)]
    assert Holiday.objects.filter(key="tasua", jalali_year=1406, is_estimate=True).exists()


# --- the page ---------------------------------------------------------------------------------


def xlsx(rows: list[tuple[str, ...]]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("official-1406.xlsx", buffer.getvalue())


def test_an_administrator_imports_an_xlsx_list_on_the_page(
    client: Client, admin: User, estimates_of_1406, sundays: Offering
):
    client.force_login(admin)
    assert gettext("Import an official holiday list") in client.get(URL).content.decode()
    upload = xlsx([("jalali_date", "name"), ("۱۴۰۶/۰۲/۲۶", "عید سعید قربان")])
    response = client.post(URL, {"file": upload}, follow=True)
    assert response.redirect_chain
    done = gettext(
        "The official list was imported: %(added)s holidays added, %(replaced)s "
        "estimates replaced, %(moved)s sessions moved (families told by SMS)."
    ) % {"added": "۰", "replaced": "۱", "moved": "۱"}
    assert done in response.content.decode()
    assert Holiday.objects.get(key="eid_al_adha", jalali_year=1406).date == OFFICIAL_ADHA
    assert OFFICIAL_ADHA not in days(sundays)
    assert OutboxMessage.objects.filter(kind="schedule_change").count() == 2


def test_the_page_lists_each_problem_in_persian(client: Client, admin: User):
    client.force_login(admin)
    text = "jalali_date,name\n1406/13/01,عید\n"
    response = client.post(URL, {"file": SimpleUploadedFile("l.csv", text.encode())})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-row="2"' in page
    assert gettext("Enter a Jalali date, e.g. 1403/07/01.") in page
    assert gettext("Nothing was imported") in page
    assert not Holiday.objects.exists()


def test_only_an_administrator_imports(client: Client, staff: User):
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    upload = SimpleUploadedFile("l.csv", "jalali_date,name\n1406/03/01,عید\n".encode())
    assert client.post(URL, {"file": upload}).status_code == 403
    assert not Holiday.objects.exists()
