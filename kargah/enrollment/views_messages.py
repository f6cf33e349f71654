"""The staff page that writes to the families of an offering, a session or a term (issue 11
item 6): preview first (nothing is written), then send; another center's rows are 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kargah.catalog.models import Offering, Session
from kargah.catalog.views_staff import _refused, _user, staff_page
from kargah.core.errors import DomainError
from kargah.core.persian import localize_digits
from kargah.enrollment import services_messages
from kargah.enrollment.forms_messages import FamilyMessageForm
from kargah.enrollment.selectors_messages import (
    MessageScope,
    family_message_recipients,
    message_scope_for_staff,
)


def _back(scope: MessageScope) -> HttpResponse:
    target = scope.target
    if isinstance(target, Offering):
        return redirect("catalog_staff:offering_detail", offering_id=target.pk)
    if isinstance(target, Session):
        return redirect("catalog_staff:offering_detail", offering_id=target.offering_id)
    return redirect("catalog_staff:dashboard")


@staff_page
@require_http_methods(["GET", "POST"])
def family_message(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    user = _user(request)
    scope = message_scope_for_staff(user=user, kind=kind, target_id=target_id)
    plan = None
    if request.method == "POST":
        data = request.POST.copy()
        if not services_messages.SEND_KEY.match(data.get("send_key", "")):
            # A form without its key (or with a malformed one) gets a fresh one: it sends once.
            data["send_key"] = uuid.uuid4().hex
        form = FamilyMessageForm(data)
        if form.is_valid():
            try:
                if request.POST.get("action") == "send":
                    sent = services_messages.family_message_send(
                        actor=user, scope=scope, **form.service_kwargs()
                    )
                    if sent.already_sent:
                        messages.info(
                            request,
                            _("This message was already sent (to %(count)s families); it is "
                              "not sent twice.") % {"count": localize_digits(sent.count)},
                        )  # fmt: skip
                        return _back(scope)
                    messages.success(
                        request,
                        _("The message is on its way to %(count)s families.")
                        % {"count": localize_digits(sent.count)},
                    )
                    return _back(scope)
                plan = services_messages.family_message_preview(
                    scope=scope, text=form.cleaned_data["text"]
                )
            except DomainError as exc:
                _refused(form, exc)
    else:
        chosen = request.GET.get("template", "free")
        chosen = chosen if chosen in services_messages.TEMPLATES else "free"
        form = FamilyMessageForm(
            initial={
                "template": chosen,
                "text": services_messages.template_text(chosen),
                "send_key": uuid.uuid4().hex,
            }
        )
    count = plan.count if plan else len(family_message_recipients(scope=scope))
    return render(
        request,
        "enrollment/staff/family_message.html",
        {
            "scope": scope,
            "form": form,
            "plan": plan,
            "count": count,
            "templates": [
                (key, _(label)) for key, label in services_messages.TEMPLATE_LABELS.items()
            ],
        },
    )
