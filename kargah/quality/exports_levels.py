"""The service levels as an XLSX workbook: every measurement, every breach and every credit,
with Persian headers, Jalali dates (Latin digits, so that a spreadsheet sorts them) and
amounts in whole Rials (exact, as the ledger's export)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

import openpyxl
from django.utils.translation import gettext as _

from kargah.core.persian import format_jalali_date, format_tehran_time, to_latin_digits
from kargah.quality.selectors_levels import breach_title, family_label
from kargah.sla.models import Breach, Compensation, Measurement


def _date(value: object) -> str:
    return to_latin_digits(format_jalali_date(value)) if value else ""  # type: ignore[arg-type]


def _figure(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def measurement_headers() -> list[str]:
    return [
        _("Service level"), _("Agreement version"), _("Period from"), _("Period until"),
        _("Figure"), _("Comparison"), _("Target"), _("Met"), _("Cases counted"),
        _("Cases missed"), _("Computed"),
    ]  # fmt: skip


def breach_headers() -> list[str]:
    return [
        _("Service level"), _("Period from"), _("Case"), _("Description"), _("Course"),
        _("Center"), _("Session"), _("Session start"), _("Families"), _("Places"),
    ]  # fmt: skip


def compensation_headers() -> list[str]:
    return [
        _("Service level"), _("Period from"), _("Family"), _("Amount (Rials)"), _("Credited"),
        _("Ledger reference"),
    ]  # fmt: skip


def _measurement_rows(measurements: Iterable[Measurement]) -> Iterable[list[object]]:
    for m in measurements:
        yield [
            m.level.name, m.level.version.title, _date(m.period_start),
            _date(m.period_end - dt.timedelta(days=1)),
            _figure(m.figure), str(m.level.get_comparison_display()), _figure(m.target),
            _("Yes") if m.met else _("No"), m.cases, m.failures,
            f"{_date(m.computed_at)} {to_latin_digits(format_tehran_time(m.computed_at))}",
        ]  # fmt: skip


def _breach_rows(breaches: Iterable[Breach]) -> Iterable[list[object]]:
    for b in breaches:
        offering, session = b.offering, b.session
        yield [
            b.measurement.level.name, _date(b.measurement.period_start), b.case_key,
            breach_title(b), offering.course.title if offering else "",
            offering.center.name if offering else "", session.number if session else None,
            f"{_date(session.starts_at)} {to_latin_digits(format_tehran_time(session.starts_at))}"
            if session else "",
            len(b.evidence.get("families", [])), len(b.evidence.get("enrollments", [])),
        ]  # fmt: skip


def _compensation_rows(credits: Iterable[Compensation]) -> Iterable[list[object]]:
    for c in credits:
        yield [
            c.measurement.level.name, _date(c.measurement.period_start), family_label(c.family),
            c.amount, _date(c.created_at), c.transaction.reference,
        ]  # fmt: skip


def levels_workbook(
    *,
    measurements: Iterable[Measurement],
    breaches: Iterable[Breach],
    compensations: Iterable[Compensation],
) -> bytes:
    book = openpyxl.Workbook()
    sheets = [
        (_("Measurements"), measurement_headers(), _measurement_rows(measurements)),
        (_("Breaches"), breach_headers(), _breach_rows(breaches)),
        (_("Compensations"), compensation_headers(), _compensation_rows(compensations)),
    ]
    first = book.active
    assert first is not None
    for index, (title, headers, rows) in enumerate(sheets):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = title[:31]
        sheet.sheet_view.rightToLeft = True
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for column, header in zip(sheet.columns, headers, strict=False):
            sheet.column_dimensions[column[0].column_letter].width = max(14, len(header) + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
