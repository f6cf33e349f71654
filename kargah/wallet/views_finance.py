"""Finance's books (issue 11, item 8): the ledger by account and period, a family's
statement, and the reconciliation of gateway payments against the ledger, with XLSX exports.

Finance and administrators read and act; the quality supervisor reads (a POST is 403);
everyone else, guardians first, gets a 404: these pages do not exist for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kargah.accounts.models import Family, Role, User
from kargah.core.persian import to_jalali
from kargah.payments.reconciliation import (
    MISMATCH_LABELS,
    reconciliation_latest,
    reconciliation_run,
)
from kargah.wallet import exports, selectors
from kargah.wallet.forms import LedgerPeriodForm
from kargah.wallet.models import AccountKind
from kargah.wallet.refunds import is_finance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_read_books(user: Any) -> bool:
    """Finance and administrators, and the quality supervisor's read-only desk."""
    return is_finance(user) or getattr(user, "role", None) == Role.QUALITY


def _reader(request: HttpRequest) -> User:
    user = request.user
    if not can_read_books(user):
        raise Http404
    assert isinstance(user, User)
    if request.method not in ("GET", "HEAD"):
        raise PermissionDenied  # read-only pages: nothing here changes anything
    return user


def _period(request: HttpRequest) -> tuple[LedgerPeriodForm, str, dt.date | None, dt.date | None]:
    """The filter; without one, the current Jalali month so far."""
    if not request.GET:
        today = to_jalali(timezone.now())
        start = today.replace(day=1).togregorian()
        form = LedgerPeriodForm(initial={"start": start})
        return form, "", start, None
    form = LedgerPeriodForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        return form, data.get("account") or "", data.get("start"), data.get("end")
    return form, "", None, None


def _xlsx(content: bytes, name: str) -> HttpResponse:
    day = to_jalali(timezone.now())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="kargah-{name}-{day.year:04d}-{day.month:02d}-{day.day:02d}.xlsx"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def finance_ledger(request: HttpRequest) -> HttpResponse:
    _reader(request)
    form, account, start, end = _period(request)
    if account and request.GET.get("format") == "xlsx":
        period = selectors.ledger_account_period(kind=account, start=start, end=end)
        return _xlsx(exports.ledger_xlsx(period), f"ledger-{account}")
    context: dict[str, Any] = {"form": form, "account": account, "start": start, "end": end}
    if form.is_bound and not form.is_valid():
        context["summary"] = []
    elif account:
        context["period"] = selectors.ledger_account_period(kind=account, start=start, end=end)
        context["is_wallets"] = account == AccountKind.FAMILY_WALLET
    else:
        context["summary"] = selectors.ledger_summary(start=start, end=end)
    context["query"] = request.GET.urlencode()
    return render(request, "wallet/finance_ledger.html", context)


@login_required
def finance_statement(request: HttpRequest, family_id: int) -> HttpResponse:
    _reader(request)
    family = get_object_or_404(Family.objects.select_related("guardian"), pk=family_id)
    form, _account, start, end = _period(request)
    if form.is_bound and not form.is_valid():
        start = end = None
    statement = selectors.family_statement(family=family, start=start, end=end)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.statement_xlsx(statement), f"statement-{family.pk}")
    return render(
        request,
        "wallet/finance_statement.html",
        {"family": family, "form": form, "statement": statement, "query": request.GET.urlencode()},
    )


@login_required
def finance_reconciliation(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    report = reconciliation_latest()
    rows = [
        {**row, "label": MISMATCH_LABELS.get(row.get("kind"), row.get("kind"))}
        for row in (report.mismatches if report else [])
    ]
    return render(
        request,
        "wallet/finance_reconciliation.html",
        {"report": report, "rows": rows, "can_run": is_finance(user)},
    )


@login_required
@require_POST
def finance_reconciliation_run(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_read_books(user):
        raise Http404
    if not is_finance(user):
        raise PermissionDenied
    assert isinstance(user, User)
    report = reconciliation_run(actor=user)
    if report.mismatches:
        messages.warning(request, _("The check found mismatches; they are listed below."))
    else:
        messages.success(
            request, _("Every verified payment is posted once, and every posting is backed.")
        )
    return redirect("wallet:finance_reconciliation")
