"""Importing offerings from a spreadsheet: CSV or XLSX, every row checked first, all or
nothing, the kind of file read from its content, and a Persian row-by-row report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from kargah.accounts.models import Center, User
from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog import importing
from kargah.catalog.models import Course, Offering, OfferingStatus, Term
from kargah.catalog.tests.conftest import tehran
from kargah.catalog.tests.factories import CourseFactory, InstructorFactory, TermFactory
from kargah.core.models import AuditLogEntry
from kargah.core.persian import to_tehran

pytestmark = pytest.mark.django_db

URL = "/staff/offerings/import/"
HEADER = list(importing.COLUMNS)


@pytest.fixture(autouse=True)
def persian() -> Iterator[None]:
    with translation.override("fa"):
        yield


@pytest.fixture
def course(center: Center) -> Course:
    return CourseFactory.create(center=center, title="نقاشی با آبرنگ", session_count=4)


@pytest.fixture
def second_course(center: Center) -> Course:
    return CourseFactory.create(center=center, title="رباتیک", session_count=2)


@pytest.fixture
def term(center: Center) -> Term:
    return TermFactory.create(center=center, name="بهار ۱۴۰۳")


@pytest.fixture
def instructors(center: Center) -> list[User]:
    return [
        InstructorFactory.create(center=center, username="maryam"),
        InstructorFactory.create(center=center, username="ali"),
    ]


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def row(**overrides: object) -> list[str]:
    """One valid row (Saturdays and Mondays at 16:00 from 1403/02/15, a Saturday), in the
    column order of the header; Persian digits where a person would type them."""
    values: dict[str, object] = {
        "course_title": "نقاشی با آبرنگ",
        "term": "بهار ۱۴۰۳",
        "instructor_usernames": "maryam",
        "capacity": "۲۰",
        "quorum": "۵",
        "fee_rials": "۵,۰۰۰,۰۰۰",
        "registration_opens": "۱۴۰۳/۰۱/۱۵ ۰۸:۰۰",
        "registration_closes": "1403/02/13 20:00",
        "weekdays": "شنبه، دوشنبه",
        "start_time": "۱۶:۰۰",
        "first_date": "۱۴۰۳/۰۲/۱۵",
    }
    values.update(overrides)
    return [str(values[column]) for column in HEADER]


def csv_file(rows: Sequence[Sequence[str]], *, bom: bool = True, name: str = "o.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: Sequence[Sequence[object]], *, name: str = "o.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def page(response) -> str:
    return response.content.decode()


def reported_rows(response) -> list[str]:
    return re.findall(r'data-testid="import-error" data-row="(\d+)"', page(response))


def shows(response, message: str) -> bool:
    return escape(message) in page(response)


# --- valid files ----------------------------------------------------------------------------


def test_a_valid_csv_imports_every_row_as_a_draft(
    staff_client: Client, staff: User, course, second_course, term, instructors
):
    rows = [
        row(),
        row(course_title="رباتیک", instructor_usernames="ali", weekdays="1", start_time="۱۸:۳۰"),
        row(instructor_usernames="", fee_rials="", registration_opens="", registration_closes=""),
    ]
    response = staff_client.post(URL, {"file": csv_file(rows)})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    offerings = list(Offering.objects.order_by("pk"))
    assert len(offerings) == 3
    assert {o.status for o in offerings} == {OfferingStatus.DRAFT}

    first, second, third = offerings
    assert (first.capacity, first.quorum, first.fee_rials) == (20, 5, 5_000_000)
    assert first.registration_opens_at == tehran(dt.date(2024, 4, 3), 8)  # 1403/01/15
    assert first.registration_closes_at == tehran(dt.date(2024, 5, 2), 20)  # 1403/02/13
    assert first.weekly_pattern == [
        {"weekday": 0, "start": "16:00"},
        {"weekday": 2, "start": "16:00"},
    ]
    assert [p.username for p in first.instructors.all()] == ["maryam"]
    starts = [to_tehran(s.starts_at) for s in first.sessions.order_by("starts_at")]
    assert [s.date() for s in starts] == [
        dt.date(2024, 5, 4),
        dt.date(2024, 5, 6),
        dt.date(2024, 5, 11),
        dt.date(2024, 5, 13),
    ]
    assert second.course == second_course
    assert second.weekly_pattern == [{"weekday": 1, "start": "18:30"}]
    assert second.sessions.count() == 2
    assert (third.fee_rials, third.registration_opens_at, third.instructors.count()) == (
        None,
        None,
        0,
    )
    assert AuditLogEntry.objects.filter(action="offering.created", actor=staff).count() == 3

    dashboard = staff_client.get("/staff/")
    done = gettext("%(count)s offerings were imported as drafts.") % {"count": "۳"}
    assert shows(dashboard, done)


def test_a_valid_xlsx_imports_every_row_as_a_draft(
    staff_client: Client, course, second_course, term, instructors
):
    rows: list[list[object]] = [
        # numbers typed as numbers and a time typed as a time, as Excel stores them
        ["نقاشی با آبرنگ", "بهار ۱۴۰۳", "maryam، ali", 20, 5, 5_000_000,
         "1403/01/15 08:00", "1403/02/13 20:00", "شنبه", dt.time(16, 0), "1403/02/15"],
        ["رباتیک", "بهار ۱۴۰۳", "", 12.0, 4, None, None, None, "0, 2", "۱۰:۰۰", "۱۴۰۳/۰۲/۱۵"],
    ]  # fmt: skip
    response = staff_client.post(URL, {"file": xlsx_file(rows)})
    assert response.status_code == 302
    first, second = Offering.objects.order_by("pk")
    assert first.course == course and second.course == second_course
    assert sorted(p.username for p in first.instructors.all()) == ["ali", "maryam"]
    assert first.weekly_pattern == [{"weekday": 0, "start": "16:00"}]
    assert first.sessions.count() == 4
    assert (second.capacity, second.quorum, second.fee_rials) == (12, 4, None)
    assert second.weekly_pattern == [
        {"weekday": 0, "start": "10:00"},
        {"weekday": 2, "start": "10:00"},
    ]


def test_a_csv_without_bom_and_with_semicolons_is_read(
    staff_client: Client, course, term, instructors
):
    text = ";".join(HEADER) + "\n" + ";".join(row(weekdays="شنبه")) + "\n"
    upload = SimpleUploadedFile("o.csv", text.encode("utf-8"))
    assert staff_client.post(URL, {"file": upload}).status_code == 302
    assert Offering.objects.count() == 1


# --- files with problems ----------------------------------------------------------------


def test_a_file_with_two_bad_rows_imports_nothing_and_names_both(
    staff_client: Client, course, term, instructors
):
    rows = [
        row(),
        row(course_title="کارگاهی که نیست", quorum="۳۰"),  # row 3: two problems
        row(),
        row(first_date="2024/05/04", weekdays="شنبه، روز بد"),  # row 5: two problems
    ]
    response = staff_client.post(URL, {"file": csv_file(rows)})
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert not AuditLogEntry.objects.exists()
    assert reported_rows(response) == ["3", "3", "5", "5"]
    text = page(response)
    assert 'data-testid="import-report"' in text
    assert "کارگاهی که نیست" in text
    assert shows(response, gettext("The quorum cannot be more than the capacity."))
    assert shows(response, gettext("Enter a Jalali date, e.g. 1403/07/01."))
    # row numbers as a Persian reader reads them
    assert re.search(r'data-row="3">\s*<td class="text-nowrap">۳</td>', text)
    assert "<code>course_title</code>" in text and "<code>weekdays</code>" in text


def test_every_kind_of_row_problem_is_reported(staff_client: Client, course, term, instructors):
    other_center_instructor = InstructorFactory.create(username="stranger")
    rows = [
        row(
            term="ترم ناشناخته",
            instructor_usernames=f"maryam، {other_center_instructor.username}",
            capacity="بیست",
            fee_rials="-5",
            registration_opens="1403/01/15",
            weekdays="",
            start_time="۲۵:۰۰",
        ),
        row(registration_opens="1403/02/14 08:00", registration_closes="1403/02/13 08:00"),
        row(registration_closes=""),
    ]
    response = staff_client.post(URL, {"file": csv_file(rows)})
    assert not Offering.objects.exists()
    errors = re.findall(
        r'data-row="(\d+)">\s*<td[^>]*>[^<]*</td>\s*<td><code>([a-z_]*)</code></td>', page(response)
    )
    assert errors == [
        ("2", "weekdays"),
        ("2", "term"),
        ("2", "instructor_usernames"),
        ("2", "capacity"),
        ("2", "fee_rials"),
        ("2", "registration_opens"),
        ("2", "start_time"),
        ("3", "registration_closes"),
        ("4", "registration_closes"),
    ]


def test_a_header_with_unknown_or_missing_columns_is_refused(staff_client: Client, course, term):
    text = "course_title,term,capacity,colour\nنقاشی با آبرنگ,بهار ۱۴۰۳,20,قرمز\n"
    response = staff_client.post(URL, {"file": SimpleUploadedFile("o.csv", text.encode())})
    assert not Offering.objects.exists()
    assert reported_rows(response) == ["1"] * 5  # colour; quorum, weekdays, start_time, first_date
    assert shows(response, gettext("This column is not known."))
    assert shows(response, gettext("This column is missing."))


def test_a_service_refusal_rolls_back_every_row_and_names_its_row(
    staff_client: Client, course, term, instructors
):
    """Rows 2 and 3 are each right, but together the instructor would teach both at once:
    the service refuses row 3 and row 2 is undone too."""
    response = staff_client.post(URL, {"file": csv_file([row(), row()])})
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert not AuditLogEntry.objects.exists()
    assert reported_rows(response) == ["3"]
    assert "نقاشی با آبرنگ" in page(response)  # the clash names the class


def test_another_centers_course_is_not_found(client: Client, course, term, instructors):
    client.force_login(StaffFactory.create())
    response = client.post(URL, {"file": csv_file([row()])})
    assert not Offering.objects.exists()
    assert reported_rows(response) == ["2", "2"]  # the course, and the instructor
    assert shows(
        response,
        gettext("No course of your center is titled «%(title)s».") % {"title": "نقاشی با آبرنگ"},
    )


# --- what is not a spreadsheet ---------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("offerings.xlsx", PNG),  # a picture named as a spreadsheet
        ("offerings.csv", PNG),
        ("offerings.csv", b"course_title\x00\x01"),  # binary that decodes
        ("offerings.xlsx", "نقاشی".encode("utf-16")),  # text, but not UTF-8
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(
    staff_client: Client, course, term, name: str, content: bytes
):
    response = staff_client.post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert reported_rows(response) == ["0"]
    assert shows(
        response,
        gettext("The file is neither an XLSX spreadsheet nor a CSV text file in UTF-8."),
    )


def test_a_zip_that_is_not_a_workbook_is_refused(staff_client: Client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = staff_client.post(URL, {"file": SimpleUploadedFile("o.xlsx", buffer.getvalue())})
    assert reported_rows(response) == ["0"]
    assert shows(
        response,
        gettext("The file is neither an XLSX spreadsheet nor a CSV text file in UTF-8."),
    )


def test_old_excel_files_are_refused_with_advice(staff_client: Client):
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    response = staff_client.post(URL, {"file": SimpleUploadedFile("o.xls", content)})
    assert shows(
        response, gettext("Old Excel files (.xls) cannot be read; save the file as XLSX or CSV.")
    )


def test_too_big_and_too_long_files_are_refused(staff_client: Client, course, term, instructors):
    big = SimpleUploadedFile("o.csv", b"a," * (importing.MAX_BYTES // 2 + 1))
    response = staff_client.post(URL, {"file": big})
    assert shows(response, gettext("The file is larger than 2 MB."))

    long = csv_file([row()] * (importing.MAX_ROWS + 1))
    response = staff_client.post(URL, {"file": long})
    assert shows(
        response,
        gettext("The file has more than %(count)s rows; split it into smaller files.")
        % {"count": importing.MAX_ROWS},
    )
    assert not Offering.objects.exists()


def test_an_empty_file_or_a_header_alone_is_refused(staff_client: Client):
    empty = staff_client.post(URL, {"file": SimpleUploadedFile("o.csv", b"  \n")})
    assert shows(empty, gettext("The file is empty."))
    alone = staff_client.post(URL, {"file": csv_file([])})
    assert shows(alone, gettext("The file has no offerings below its header row."))


# --- the template -------------------------------------------------------------------------


def test_the_template_csv_downloads_with_the_columns(staff_client: Client):
    response = staff_client.get("/staff/offerings/import/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, example = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == HEADER
    assert len(example) == len(HEADER)


def test_the_template_itself_imports_once_its_names_exist(staff_client: Client, center: Center):
    CourseFactory.create(center=center, title="کارگاه نقاشی", session_count=3)
    TermFactory.create(center=center, name="پاییز ۱۴۰۴")
    for username in ("instructor1", "instructor2"):
        InstructorFactory.create(center=center, username=username)
    template = staff_client.get("/staff/offerings/import/template.csv").content
    response = staff_client.post(URL, {"file": SimpleUploadedFile("t.csv", template)})
    assert response.status_code == 302
    assert Offering.objects.count() == 1


@pytest.mark.parametrize(
    ("column", "typed", "limit"),
    [
        ("fee_rials", "9" * 25, "۱٬۰۰۰٬۰۰۰٬۰۰۰"),  # issue 8: was an overflow (500)
        ("fee_rials", "۱٬۰۰۰٬۰۰۰٬۰۰۱", "۱٬۰۰۰٬۰۰۰٬۰۰۰"),
        ("capacity", "۹" * 25, "۱۰٬۰۰۰"),
        ("quorum", "9" * 12, "۱۰٬۰۰۰"),
    ],
)
def test_a_number_past_its_limit_is_a_row_problem(
    staff_client: Client, course, term, instructors, column: str, typed: str, limit: str
):
    response = staff_client.post(URL, {"file": csv_file([row(**{column: typed})])})
    assert response.status_code == 200
    assert not Offering.objects.exists()
    assert reported_rows(response) == ["2"]
    message = gettext("Enter a whole number of at most %(limit)s.") % {"limit": limit}
    assert shows(response, message)
