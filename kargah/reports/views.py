"""The staff's reports page (charts with their tables) and each figure's XLSX export."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kargah.accounts.models import User
from kargah.catalog.views_staff import STAFF_SIGN_IN
from kargah.reports import selectors
from kargah.reports.exports import figure_headers, figure_values, figure_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reports_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and center staff, finance, quality supervisor or administrator."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, User) or not selectors.may_see_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(login_url=STAFF_SIGN_IN)(wrapper)


@reports_page
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    figures = selectors.report_figures(user=request.user)
    charts = [
        {
            "figure": figure,
            "chart_id": f"chart-{figure.key}",
            "headers": figure_headers(figure),
            "rows": [(label, figure_values(figure, values)) for label, values in figure.rows],
            "data": {
                "labels": [label for label, _values in figure.rows],
                "datasets": [
                    {
                        "label": header,
                        "data": [figure_values(figure, v)[i] for _l, v in figure.rows],
                    }
                    for i, header in enumerate(figure_headers(figure))
                    if figure.key != "fill_rate" or i == 2  # the chart shows the percentage
                ],
            },
        }
        for figure in figures
    ]
    return render(request, "reports/reports.html", {"charts": charts})


@reports_page
@require_GET
def export(request: HttpRequest, key: str) -> HttpResponse:
    assert isinstance(request.user, User)
    figure = selectors.report_figure(user=request.user, key=key)
    if figure is None:
        raise Http404
    response = HttpResponse(figure_workbook(figure), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{key}.xlsx"'
    return response
