"""XLSX exports of finance's ledger and a family's statement: Persian headers, Jalali dates
and Tehran times, amounts in whole Rials (a ledger export is exact, never rounded to Toman)."""

from __future__ import annotations

import io

import openpyxl
from django.utils.translation import gettext as _

from kargah.core.persian import format_jalali_date, format_tehran_time, to_latin_digits
from kargah.wallet.models import LedgerEntry
from kargah.wallet.selectors import AccountPeriod


def _sheet_bytes(title: str, headers: list[str], rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = True
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for column, header in zip(sheet.columns, headers, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = max(14, len(header) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _when(entry: LedgerEntry) -> list[object]:
    created = entry.transaction.created_at
    # Latin digits in the cells, so that a spreadsheet sorts and filters them.
    return [
        to_latin_digits(format_jalali_date(created)),
        to_latin_digits(format_tehran_time(created)),
    ]


def ledger_xlsx(period: AccountPeriod) -> bytes:
    headers = [
        _("Date"),
        _("Time"),
        _("Reference"),
        _("Kind"),
        _("Family"),
        _("Amount (Rials)"),
        _("Balance (Rials)"),
    ]
    rows: list[list[object]] = [["", "", "", _("Opening balance"), "", "", period.opening]]
    for entry in period.entries:
        family = entry.account.family
        rows.append(
            [
                *_when(entry),
                entry.transaction.reference,
                str(entry.transaction.get_kind_display()),
                str(family) if family else "",
                entry.amount,
                entry.balance,
            ]
        )
    rows.append(["", "", "", _("Closing balance"), "", "", period.closing])
    return _sheet_bytes(period.label, headers, rows)


def statement_xlsx(period: AccountPeriod) -> bytes:
    headers = [_("Date"), _("Time"), _("Description"), _("Amount (Rials)"), _("Balance (Rials)")]
    rows: list[list[object]] = [["", "", _("Opening balance"), "", period.opening]]
    for entry in period.entries:
        rows.append([*_when(entry), entry.description, entry.amount, entry.balance])
    rows.append(["", "", _("Closing balance"), "", period.closing])
    return _sheet_bytes(_("Statement"), headers, rows)
