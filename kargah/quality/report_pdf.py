"""The monthly service-level report as a Persian PDF (right to left, Vazirmatn, Jalali dates)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kargah.core.pdf import jalali_long, jalali_month_name, render_pdf
from kargah.quality.selectors_levels import MonthlyReport


def report_filename(report: MonthlyReport) -> str:
    return f"service-levels-{report.month.year}-{report.month.month:02d}.pdf"


def monthly_report_pdf(report: MonthlyReport, *, now: dt.datetime | None = None) -> bytes:
    month = report.month
    return render_pdf(
        "quality/levels_report_pdf.html",
        {
            "report": report,
            "month_name": jalali_month_name(month.year, month.month),
            "first_day": jalali_long(month.start),
            "last_day": jalali_long(month.end - dt.timedelta(days=1)),
            "generated_on": jalali_long(now or timezone.now()),
            "terms": [
                (version, jalali_long(version.valid_from), jalali_long(version.valid_until))
                for version in report.versions
            ],
        },
    )
