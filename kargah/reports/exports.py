"""A report's figure as an XLSX workbook: Persian headers, amounts in the display unit."""

from __future__ import annotations

import io

from openpyxl import Workbook

from kargah.core.persian import money_unit, rials_per_unit
from kargah.reports.selectors import Figure


def figure_values(figure: Figure, values: list[int]) -> list[int]:
    """The numbers as a person reads them: money in Toman (or Rials, by the setting)."""
    return [v // rials_per_unit() for v in values] if figure.money else list(values)


def figure_headers(figure: Figure) -> list[str]:
    if figure.money:
        return [f"{header} ({money_unit()})" for header in figure.headers]
    return list(figure.headers)


def figure_workbook(figure: Figure) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = figure.title[:31]
    sheet.sheet_view.rightToLeft = True
    sheet.append([figure.label_header, *figure_headers(figure)])
    for label, values in figure.rows:
        sheet.append([label, *figure_values(figure, values)])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
