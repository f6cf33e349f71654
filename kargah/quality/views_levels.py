"""The quality supervisor's service-level dashboard under /quality/levels/: each level against
its target over time (charts with their tables), a missed period's breaches down to the
session or request behind each, the compensation credited, the XLSX export and the monthly
PDF report. The quality desk's access rules (kargah.quality.views.quality_read_only)."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kargah.core.persian import JALALI_YEARS, to_latin_digits
from kargah.quality import selectors_levels as levels
from kargah.quality.exports_levels import levels_workbook
from kargah.quality.report_pdf import monthly_report_pdf, report_filename
from kargah.quality.views import quality_read_only
from kargah.sla import selectors as sla_selectors
from kargah.sla.models import Breach, Compensation, Measurement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _version_id(request: HttpRequest) -> int | None:
    raw = to_latin_digits(request.GET.get("version", "")).strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        raise Http404
    return int(raw)


@quality_read_only
def dashboard(request: HttpRequest) -> HttpResponse:
    version = levels.dashboard_version(_version_id(request))
    if version is None and "version" in request.GET:
        raise Http404
    histories = levels.level_histories(version) if version else []
    current = sla_selectors.version_in_force()
    return render(
        request,
        "quality/levels.html",
        {
            "version": version,
            "in_force": current is not None and version is not None and current.pk == version.pk,
            "versions": levels.versions(),
            "charts": [
                {"history": h, "chart_id": f"level-chart-{h.level.pk}", "data": h.chart()}
                for h in histories
            ],
            "totals": levels.compensation_totals(version) if version else None,
            "all_totals": levels.compensation_totals(),
            "months": levels.report_months(),
        },
    )


@quality_read_only
def level(request: HttpRequest, level_id: int) -> HttpResponse:
    found = levels.level_get(level_id)
    if found is None:
        raise Http404
    history = levels.level_history(found)
    return render(
        request,
        "quality/level.html",
        {
            "history": history,
            "chart_id": f"level-chart-{found.pk}",
            "data": history.chart(),
            "compensations": sla_selectors.compensations(level=found)[: levels.REPORT_BREACHES],
        },
    )


@quality_read_only
def measurement(request: HttpRequest, measurement_id: int) -> HttpResponse:
    found = levels.measurement_get(measurement_id)
    if found is None:
        raise Http404
    history = levels.LevelHistory(level=found.level, measurements=[found])
    breaches = list(levels.measurement_breaches(found))
    return render(
        request,
        "quality/measurement.html",
        {
            "measurement": found,
            "history": history,
            "figure_text": history.figure_text(found),
            "breaches": [(b, levels.evidence_rows(b)) for b in breaches],
            "compensations": levels.measurement_compensations(found),
        },
    )


@quality_read_only
def breach(request: HttpRequest, breach_id: int) -> HttpResponse:
    found = levels.breach_get(breach_id)
    if found is None:
        raise Http404
    return render(
        request,
        "quality/breach.html",
        {
            "breach": found,
            "evidence": levels.evidence_rows(found),
            "subject": levels.breach_subject(found),
            "places": levels.breach_places(found),
            "credits": levels.breach_credits(found),
        },
    )


@quality_read_only
def export(request: HttpRequest) -> HttpResponse:
    workbook = levels_workbook(
        measurements=Measurement.objects.select_related("level__version").order_by(
            "level_id", "period_start"
        ),
        breaches=Breach.objects.select_related(
            "measurement__level", "offering__course", "offering__center", "session"
        ).order_by("measurement__level_id", "measurement__period_start", "id"),
        compensations=Compensation.objects.select_related(
            "measurement__level", "family__guardian", "transaction"
        ).order_by("measurement__level_id", "measurement__period_start", "family_id"),
    )
    response = HttpResponse(workbook, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="service-levels.xlsx"'
    return response


@quality_read_only
def report(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (JALALI_YEARS[0] <= year <= JALALI_YEARS[1] and 1 <= month <= 12):
        raise Http404
    monthly = levels.monthly_report(levels.ReportMonth(year, month))
    response = HttpResponse(
        monthly_report_pdf(monthly, now=timezone.now()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{report_filename(monthly)}"'
    return response
