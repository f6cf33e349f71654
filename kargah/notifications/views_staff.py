"""The staff's outbox desk at /staff/outbox/ (issue 12, item 4): the messages, filtered, with
recipients masked; one message; resend of one that gave up; counts per day, channel and
kind; the SMS spend; an XLSX export.

Administrators, finance, the quality supervisor and a center's staff come in (each sees
what kargah.notifications.selectors allows); administrators and center staff may resend.
Everyone else signed in gets 403; another center's message is 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kargah.accounts.models import User
from kargah.core.errors import DomainError
from kargah.core.persian import to_jalali
from kargah.notifications import selectors, services_staff
from kargah.notifications.exports import outbox_workbook
from kargah.notifications.forms_staff import OutboxFilterForm
from kargah.notifications.models import Channel, OutboxStatus

STAFF_SIGN_IN = "accounts:staff_sign_in"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def outbox_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the staff sign-in), and a role with the desk (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, User) or not selectors.may_see_outbox(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(login_url=STAFF_SIGN_IN)(wrapper)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _filter(request: HttpRequest, user: User) -> OutboxFilterForm:
    """The filter from the query; without one, the last DEFAULT_DAYS days."""
    kinds = selectors.outbox_kinds(user=user)
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    if not query:
        return OutboxFilterForm(kinds=kinds, initial={"start": selectors.default_start()})
    return OutboxFilterForm(query, kinds=kinds)


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


@outbox_page
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The messages, newest first, with the count per state of what the filter chose."""
    user = _user(request)
    form = _filter(request, user)
    filters = form.filters()
    found = selectors.outbox_list(user=user, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/staff/outbox.html",
        {
            "here": "list",
            "form": form,
            "page_obj": page,
            "rows": [
                {
                    "message": m,
                    "recipient": selectors.mask_recipient(m),
                    "kind": selectors.kind_label(m.kind),
                }
                for m in page.object_list
            ],
            "query": _query(request),
            "may_resend": selectors.may_resend(user),
        },
    )


@outbox_page
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """Messages per day, channel and kind, and the SMS spend by day and by month."""
    user = _user(request)
    form = _filter(request, user)
    filters = form.filters()
    rows = selectors.outbox_counts(user=user, filters=filters)
    spend = selectors.sms_spend(user=user, filters=filters)
    return render(
        request,
        "notifications/staff/counts.html",
        {
            "here": "counts",
            "form": form,
            "rows": [(row, selectors.kind_label(row.kind)) for row in rows],
            "spend": spend,
            "months": [(selectors.month_label(*key), row) for key, row in spend.months],
            "channels": dict(Channel.choices),
            "query": _query(request),
        },
    )


@outbox_page
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = _filter(request, user).filters()
    content = outbox_workbook(
        messages=selectors.outbox_list(user=user, filters=filters),
        counts=selectors.outbox_counts(user=user, filters=filters),
        spend=selectors.sms_spend(user=user, filters=filters),
    )
    day = to_jalali(timezone.now())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="kargah-outbox-{day.year:04d}-{day.month:02d}-{day.day:02d}.xlsx"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@outbox_page
@require_GET
def detail(request: HttpRequest, message_id: int) -> HttpResponse:
    user = _user(request)
    message = selectors.outbox_get_for_staff(user=user, message_id=message_id)
    return render(
        request,
        "notifications/staff/detail.html",
        {
            "here": "list",
            "message": message,
            "recipient": selectors.mask_recipient(message),
            "kind": selectors.kind_label(message.kind),
            "body_hidden": selectors.body_hidden(message),
            "history": selectors.resend_history(message=message),
            "may_resend": selectors.may_resend(user)
            and message.status == OutboxStatus.FAILED
            and not message.redact_after_send,
        },
    )


@outbox_page
@require_POST
def resend(request: HttpRequest, message_id: int) -> HttpResponse:
    user = _user(request)
    message = selectors.outbox_get_for_staff(user=user, message_id=message_id)
    if not selectors.may_resend(user):
        raise PermissionDenied  # finance and the quality supervisor read the desk only
    try:
        done = services_staff.outbox_resend(actor=user, message_id=message.pk)
    except DomainError as exc:
        messages.warning(request, str(exc.message))
    else:
        if done.queued_now:
            messages.success(request, _("The message is queued again; it is sent shortly."))
        else:
            messages.info(request, _("The message is already waiting to be sent."))
    return redirect("notifications_staff:staff_outbox_detail", message_id=message.pk)
