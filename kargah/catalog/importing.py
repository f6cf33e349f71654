"""Importing offerings, or an official holiday list, from a spreadsheet (XLSX or CSV in
UTF-8), all or nothing.

Every row is checked first and every problem is reported (row, column, message); only a
file without problems is imported, as draft offerings created through
services.offering_create in one transaction. If a service refuses a row (an instructor
would teach two classes at once, for example), everything is rolled back and that row is
reported. The file's kind is read from its content, never from its name."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from kargah.accounts.models import User
from kargah.catalog import official_calendar, services
from kargah.catalog.forms_staff import (
    MAX_CAPACITY,
    MAX_FEE_RIALS,
    parse_time_of_day,
    parse_weekdays,
    split_list,
    weekly_pattern,
)
from kargah.catalog.models import Course, Offering, Term
from kargah.catalog.selectors import (
    course_list_for_staff,
    instructor_list_for_staff,
    term_list_for_staff,
)
from kargah.core.errors import DomainError
from kargah.core.persian import (
    localize_digits,
    parse_jalali_date,
    parse_jalali_datetime,
    search_key,
    to_latin_digits,
    to_persian_digits,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 40
# An XLSX is a ZIP of XML; what it unpacks to is bounded too (a small file may inflate).
MAX_XLSX_UNPACKED = 40 * 1024 * 1024

COLUMNS = (
    "course_title",
    "term",
    "instructor_usernames",
    "capacity",
    "quorum",
    "fee_rials",
    "registration_opens",
    "registration_closes",
    "weekdays",
    "start_time",
    "first_date",
)
REQUIRED_COLUMNS = (
    "course_title",
    "term",
    "capacity",
    "quorum",
    "weekdays",
    "start_time",
    "first_date",
)

TEMPLATE_EXAMPLE = (
    "کارگاه نقاشی",
    "پاییز ۱۴۰۴",
    "instructor1، instructor2",
    "20",
    "5",
    "5000000",
    "1404/06/01 08:00",
    "1404/06/25 20:00",
    "شنبه، دوشنبه",
    "16:00",
    "1404/07/01",
)

_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_THOUSANDS = re.compile(r"[,٬\s_]")


@dataclass(frozen=True)
class RowError:
    """One problem: the row as the spreadsheet numbers it (the header is row 1; 0 for the
    file as a whole), the column's name (empty for the whole row) and what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: list[Offering] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


class _RowFailed(Exception):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


# --- reading the file ------------------------------------------------------------------


def template_csv() -> str:
    """The template to download: the header and one example row, with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return "\ufeff" + buffer.getvalue()


def read_upload(upload: File) -> list[tuple[int, list[str]]]:
    """The file's non-empty rows as (row number, cell texts); refuses what is too big or
    is neither an XLSX spreadsheet nor UTF-8 CSV text, judged by content."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB."))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(_ZIP_SIGNATURE):
        rows = _read_xlsx(data)
    elif data.startswith(_OLE2_SIGNATURE):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read; save the file as XLSX or CSV.")
        )
    else:
        rows = _read_csv(data)
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(
            _("The file has more than %(count)s rows; split it into smaller files.")
            % {"count": MAX_ROWS}
        )
    return rows


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _("The file is neither an XLSX spreadsheet nor a CSV text file in UTF-8.")
    )


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise _not_a_spreadsheet()
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise ImportFileError(_("The spreadsheet is too large once unpacked."))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise _not_a_spreadsheet() from None
    rows: list[tuple[int, list[str]]] = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for number, values in enumerate(
                    sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
                ):
                    cells = [_cell_text(value) for value in values]
                    if any(cells):
                        rows.append((number, cells))
                        if len(rows) > MAX_ROWS + 1:
                            break
            finally:
                workbook.close()
    except ImportFileError:
        raise
    except Exception:  # a damaged workbook can fail anywhere inside openpyxl
        raise ImportFileError(_("The spreadsheet could not be read; is it damaged?")) from None
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_a_spreadsheet() from None
    if _CONTROL.search(text):
        raise _not_a_spreadsheet()
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = "\t" if "\t" in first_line else ";" if ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            rows.append((number, [cell.strip() for cell in cells[:MAX_COLUMNS]]))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        raise _not_a_spreadsheet() from None
    return rows


# --- checking the rows -----------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff").casefold())


class _Lookups:
    """What the rows may name: the courses, terms and instructors of the user's centers."""

    def __init__(self, user: User) -> None:
        self.courses: dict[str, list[Course]] = defaultdict(list)
        for course in course_list_for_staff(user=user):
            self.courses[search_key(course.title)].append(course)
        self.terms: dict[tuple[int, str], list[Term]] = defaultdict(list)
        for term in term_list_for_staff(user=user):
            self.terms[(term.center_id, search_key(term.name))].append(term)
        self.instructors = {
            person.username.casefold(): person for person in instructor_list_for_staff(user=user)
        }


class _TooLarge(ValueError):
    pass


def _integer(text: str, *, minimum: int, maximum: int) -> int:
    value = int(_THOUSANDS.sub("", to_latin_digits(text)))
    if value < minimum:
        raise ValueError("too small")
    if value > maximum:  # past the column: a row problem, not an overflow (issue 8)
        raise _TooLarge("too large")
    return value


def _check_row(
    number: int, cells: dict[str, str], lookups: _Lookups
) -> tuple[_Row, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, Any] = {}

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in REQUIRED_COLUMNS:
        if not cells.get(column, ""):
            error(column, _("This column is empty."))

    course: Course | None = None
    title = cells.get("course_title", "")
    if title:
        found = lookups.courses.get(search_key(title), [])
        if not found:
            error(
                "course_title",
                _("No course of your center is titled «%(title)s».") % {"title": title},
            )
        elif len(found) > 1:
            error(
                "course_title",
                _("More than one course is titled «%(title)s»; rename one of them.")
                % {"title": title},
            )
        else:
            course = found[0]
            values["course"] = course

    term_name = cells.get("term", "")
    if term_name and course is not None:
        terms = lookups.terms.get((course.center_id, search_key(term_name)), [])
        if len(terms) != 1:
            error(
                "term",
                _("The center of «%(course)s» has no term named «%(term)s».")
                % {"course": course.title, "term": term_name},
            )
        else:
            values["term"] = terms[0]

    instructors: list[User] = []
    for username in split_list(cells.get("instructor_usernames", "")):
        person = lookups.instructors.get(username.casefold())
        if person is None or (course is not None and person.center_id != course.center_id):
            error(
                "instructor_usernames",
                _("«%(username)s» is not an instructor of this course's center.")
                % {"username": username},
            )
        else:
            instructors.append(person)
    values["instructors"] = instructors

    for column, minimum, maximum in (
        ("capacity", 1, MAX_CAPACITY),
        ("quorum", 1, MAX_CAPACITY),
        ("fee_rials", 0, MAX_FEE_RIALS),
    ):
        text = cells.get(column, "")
        if not text:
            values[column] = None
            continue
        try:
            values[column] = _integer(text, minimum=minimum, maximum=maximum)
        except _TooLarge:
            error(
                column,
                _("Enter a whole number of at most %(limit)s.")
                % {"limit": localize_digits(f"{maximum:,}").replace(",", "٬")},
            )
        except ValueError:
            if minimum:
                error(column, _("Enter a whole number, at least one."))
            else:
                error(column, _("Enter a whole number of Rials."))
    capacity, quorum = values.get("capacity"), values.get("quorum")
    if capacity is not None and quorum is not None and quorum > capacity:
        error("quorum", _("The quorum cannot be more than the capacity."))

    for column in ("registration_opens", "registration_closes"):
        text = cells.get(column, "")
        values[f"{column}_at"] = None
        if not text:
            continue
        try:
            values[f"{column}_at"] = parse_jalali_datetime(text)
        except ValueError:
            error(column, _("Enter a Jalali date and a time, e.g. 1403/06/01 08:00."))
    opens, closes = values["registration_opens_at"], values["registration_closes_at"]
    opens_text, closes_text = (
        cells.get("registration_opens", ""),
        cells.get("registration_closes", ""),
    )
    if bool(opens_text) != bool(closes_text):
        error(
            "registration_closes" if opens_text else "registration_opens",
            _("Give both when registration opens and when it closes, or neither."),
        )
    elif opens and closes and opens >= closes:
        error("registration_closes", _("Registration must open before it closes."))

    weekdays: list[int] = []
    if cells.get("weekdays", ""):
        try:
            weekdays = parse_weekdays(cells["weekdays"])
        except ValueError:
            error(
                "weekdays",
                _("Write weekday names (Saturday … Friday) or numbers 0-6, separated by commas."),
            )
    start: dt.time | None = None
    if cells.get("start_time", ""):
        try:
            start = parse_time_of_day(cells["start_time"])
        except ValueError:
            error("start_time", _("Enter the time as hours:minutes, e.g. 16:30."))
    if weekdays and start is not None:
        values["weekly_pattern"] = weekly_pattern(weekdays, start)

    if cells.get("first_date", ""):
        try:
            values["first_date"] = parse_jalali_date(cells["first_date"])
        except ValueError:
            error("first_date", _("Enter a Jalali date, e.g. 1403/07/01."))

    return _Row(number, values), errors


def _header(
    row: tuple[int, list[str]], columns: Sequence[str], required: Sequence[str]
) -> tuple[dict[str, int], list[RowError]]:
    """Where each known column is in the header row, and what is wrong with the header."""
    header_number, header = row
    keys = [_column_key(name) for name in header]
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for position, (key, name) in enumerate(zip(keys, header, strict=True)):
        if not key:
            continue
        if key not in columns:
            errors.append(RowError(header_number, name, _("This column is not known.")))
        elif key in positions:
            errors.append(RowError(header_number, name, _("This column appears twice.")))
        else:
            positions[key] = position
    for column in required:
        if column not in positions:
            errors.append(RowError(header_number, column, _("This column is missing.")))
    return positions, errors


def _named_cells(cells: list[str], positions: dict[str, int]) -> dict[str, str]:
    return {
        column: (cells[index] if index < len(cells) else "").strip()
        for column, index in positions.items()
    }


def check_rows(
    *, user: User, table: list[tuple[int, list[str]]]
) -> tuple[list[_Row], list[RowError]]:
    """Every row checked; the rows ready for the service and every problem found."""
    if not table:
        return [], [RowError(0, "", _("The file is empty."))]
    positions, errors = _header(table[0], COLUMNS, REQUIRED_COLUMNS)
    if errors:
        return [], errors
    if len(table) == 1:
        return [], [RowError(0, "", _("The file has no offerings below its header row."))]
    lookups = _Lookups(user)
    rows: list[_Row] = []
    for number, cells in table[1:]:
        row, row_errors = _check_row(number, _named_cells(cells, positions), lookups)
        rows.append(row)
        errors.extend(row_errors)
    return rows, errors


# --- importing -------------------------------------------------------------------------


def import_offerings(*, actor: User, upload: UploadedFile) -> ImportResult:
    """Reads, checks and (only when every row is right) imports the offerings as drafts."""
    try:
        table = read_upload(upload)
    except ImportFileError as exc:
        return ImportResult(errors=[RowError(0, "", exc.message)])
    rows, errors = check_rows(user=actor, table=table)
    if errors:
        return ImportResult(errors=errors, rows=len(rows))
    try:
        created = _create_all(actor, rows)
    except _RowFailed as failed:
        return ImportResult(errors=[RowError(failed.row, "", failed.message)], rows=len(rows))
    return ImportResult(created=created, rows=len(rows))


def _create_all(actor: User, rows: list[_Row]) -> list[Offering]:
    """All the drafts in one transaction: a refusal of any row undoes every row."""
    created: list[Offering] = []
    with transaction.atomic():
        for row in rows:
            try:
                created.append(services.offering_create(actor=actor, **row.values))
            except DomainError as exc:
                raise _RowFailed(row.number, str(exc.message)) from exc
    return created


# --- an official holiday list ------------------------------------------------------------

# The shipped official_holidays.csv is itself a valid list: its extra columns are known.
HOLIDAY_COLUMNS = ("jalali_date", "name", "source", "gregorian_date", "kind", "key")
HOLIDAY_REQUIRED_COLUMNS = ("jalali_date", "name")
MAX_HOLIDAY_NAME = 200


@dataclass
class HolidayImportResult:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    added: int = 0
    replaced: int = 0
    moved: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def check_holiday_rows(
    *, table: list[tuple[int, list[str]]], file_name: str
) -> tuple[list[tuple[int, services.OfficialRow]], list[RowError]]:
    """Every row of an official list checked (Jalali date, name; the Gregorian date, when
    given, must be the same day); the rows ready for the service and every problem found."""
    if not table:
        return [], [RowError(0, "", _("The file is empty."))]
    positions, errors = _header(table[0], HOLIDAY_COLUMNS, HOLIDAY_REQUIRED_COLUMNS)
    if errors:
        return [], errors
    if len(table) == 1:
        return [], [RowError(0, "", _("The file has no holidays below its header row."))]
    rows: list[tuple[int, services.OfficialRow]] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for number, cells in table[1:]:
        named = _named_cells(cells, positions)
        row_errors: list[RowError] = []
        for column in HOLIDAY_REQUIRED_COLUMNS:
            if not named.get(column, ""):
                row_errors.append(RowError(number, column, _("This column is empty.")))
        day: dt.date | None = None
        if named.get("jalali_date", ""):
            try:
                day = parse_jalali_date(named["jalali_date"])
            except ValueError:
                row_errors.append(
                    RowError(number, "jalali_date", _("Enter a Jalali date, e.g. 1403/07/01."))
                )
        name = " ".join(named.get("name", "").split())
        if len(name) > MAX_HOLIDAY_NAME:
            row_errors.append(
                RowError(
                    number,
                    "name",
                    _("The name is longer than %(count)s characters.")
                    % {"count": to_persian_digits(MAX_HOLIDAY_NAME)},
                )
            )
        gregorian = named.get("gregorian_date", "")
        if day is not None and gregorian and to_latin_digits(gregorian) != day.isoformat():
            row_errors.append(
                RowError(
                    number,
                    "gregorian_date",
                    _("The Gregorian date is not the same day as the Jalali date."),
                )
            )
        if day is not None and name and not row_errors:
            if (day, name) in seen:
                row_errors.append(
                    RowError(
                        number,
                        "",
                        _("This holiday is already in row %(row)s.")
                        % {"row": to_persian_digits(seen[(day, name)])},
                    )
                )
            seen[(day, name)] = number
        errors.extend(row_errors)
        if day is not None and name and not row_errors:
            source = named.get("source", "")
            reference = f"{source} ({file_name})" if source else file_name
            key = official_calendar.key_for(name, day)
            rows.append((number, services.OfficialRow(day, name, key, reference[:300])))
    return rows, errors


def import_official_holidays(
    *, actor: User | None, upload: File, file_name: str
) -> HolidayImportResult:
    """Reads, checks and (only when every row is right) imports an official holiday list:
    new holidays are added, estimates replaced, and the sessions they hit moved."""
    try:
        table = read_upload(upload)
    except ImportFileError as exc:
        return HolidayImportResult(errors=[RowError(0, "", exc.message)])
    rows, errors = check_holiday_rows(table=table, file_name=file_name)
    if errors:
        return HolidayImportResult(errors=errors, rows=len(table) - 1)
    try:
        outcome = services.holiday_import_official(actor=actor, rows=[row for _n, row in rows])
    except DomainError as exc:
        index = exc.extra.get("index")
        number = rows[index][0] if isinstance(index, int) else 0
        return HolidayImportResult(errors=[RowError(number, "", str(exc.message))], rows=len(rows))
    return HolidayImportResult(
        rows=len(rows),
        added=len(outcome.added),
        replaced=len(outcome.replaced),
        moved=len(outcome.moved),
    )
