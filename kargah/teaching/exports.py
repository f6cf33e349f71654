"""The roster as an XLSX workbook for the center's staff: Persian headers, Jalali dates."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kargah.catalog.models import Offering
from kargah.core.persian import format_jalali_date, mobile_for_display, money_unit, rials_per_unit
from kargah.teaching.selectors import StaffRosterRow


def _device_check(row: StaffRosterRow) -> str:
    check = row.row.device_check
    if check is None:
        return _("Missing")
    if row.row.device_check_counts:
        return _("Passed on %(when)s") % {"when": format_jalali_date(check.checked_at)}
    return _("Not passed or out of date (%(when)s)") % {
        "when": format_jalali_date(check.checked_at)
    }


def _documents(row: StaffRosterRow) -> str:
    return "، ".join(
        f"{need.name}: {need.document.get_status_display() if need.document else _('Not handed in')}"
        for need in row.row.documents
    )


def roster_workbook(*, offering: Offering, rows: list[StaffRosterRow]) -> bytes:
    """One sheet, one line per learner. Codes and the number stay text in Latin digits and
    amounts stay numbers, so that a spreadsheet sorts and sums them; dates are Jalali."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Roster")[:31]
    sheet.sheet_view.rightToLeft = True
    sheet.append(
        [
            _("Learner"),
            _("National code"),
            _("Birth date"),
            _("Age"),
            _("Guardian"),
            _("Guardian's mobile"),
            _("Documents"),
            _("Device check"),
            _("Present"),
            _("Late"),
            _("Absent"),
            _("Excused"),
            _("Conduct notes"),
            _("Paid (%(unit)s)") % {"unit": money_unit()},
        ]
    )
    for row in rows:
        learner, counts = row.learner, row.row.attendance
        sheet.append(
            [
                learner.full_name,
                learner.national_code,
                format_jalali_date(learner.birth_date),
                row.row.age,
                row.guardian.get_full_name() or str(row.guardian),
                mobile_for_display(row.guardian.mobile or ""),
                _documents(row),
                _device_check(row),
                counts["present"],
                counts["late"],
                counts["absent"],
                counts["excused"],
                len(row.row.notes),
                row.paid_rials // rials_per_unit(),
            ]
        )
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_filename(offering: Offering) -> str:
    return f"roster-{offering.pk}.xlsx"
