"""Pages of the notifications app: the person's inbox and their choice of channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kargah.accounts.models import User
from kargah.core.errors import DomainError, NotAllowed
from kargah.notifications import selectors_inbox, services_inbox
from kargah.notifications.forms import NotificationPreferencesForm

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's messages, newest first, the unread ones marked."""
    user = _user(request)
    services_inbox.inbox_badge_refresh(user=user)
    page = Paginator(selectors_inbox.inbox_for(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_GET
def inbox_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One message, opened: it is read from now on."""
    try:
        item = services_inbox.inbox_item_read(user=_user(request), item_id=item_id)
    except NotAllowed:
        raise Http404 from None
    link = item.link if url_has_allowed_host_and_scheme(item.link, None) else ""
    return render(request, "notifications/inbox_item.html", {"item": item, "link": link})


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = services_inbox.inbox_read_all(user=_user(request))
    if marked:
        messages.success(request, _("All messages are marked read."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How the person is told: SMS, e-mail, the inbox, per group of messages; their e-mail
    address and the language of their messages."""
    user = _user(request)
    groups = selectors_inbox.preference_groups(user=user)
    initial = {"email": user.email, "language": user.language}
    form = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None, groups=groups, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_inbox.notification_preferences_save(
                user=user,
                channels=form.channels(),
                email=form.cleaned_data["email"],
                language=form.cleaned_data["language"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your choices are saved."))
            return redirect("notifications:preferences")
    rows = [
        (row, [form[f"{row.key}_{channel}"] for channel in ("sms", "email", "inbox")])
        for row in groups
    ]
    return render(request, "notifications/preferences.html", {"form": form, "rows": rows})
