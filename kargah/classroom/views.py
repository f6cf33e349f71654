"""The classroom's pages: the join endpoint, recordings, a session's presence, and the
classroom server's callbacks (webhooks events and the end callback)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kargah.accounts.models import User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import Session
from kargah.classroom import selectors, services
from kargah.classroom.bbb import BBBError
from kargah.classroom.gates import SKIP_PARAMETER, SKIP_VALUE, device_check_gate
from kargah.classroom.models import JoinOutcome, Room
from kargah.core.http import client_ip
from kargah.core.persian import to_latin_digits

logger = logging.getLogger(__name__)


def _session(session_id: int) -> Session:
    return get_object_or_404(
        Session.objects.select_related("offering__course", "offering__center"), pk=session_id
    )


def _learner_param(request: HttpRequest) -> int | None:
    """The `learner` parameter (any digits); a value that is no id is a 404."""
    raw = request.GET.get("learner")
    if raw is None or raw == "":
        return None
    value = to_latin_digits(raw.strip())
    if not value.isdigit() or len(value) > 12:
        raise Http404
    return int(value)


def _site_url(request: HttpRequest) -> str:
    return settings.KARGAH_SITE_URL or request.build_absolute_uri("/").rstrip("/")


def _unavailable(request: HttpRequest, session: Session) -> HttpResponse:
    return render(request, "classroom/unavailable.html", {"session": session}, status=503)


@require_safe
@login_required
def join(request: HttpRequest, session_id: int) -> HttpResponse:
    """Checks the person now and sends them into the room with a fresh join URL (302). The
    session, the person, the device check and the room come from one query (join_read); an
    open room is joined without a lock or a transaction, then one INSERT logs the click."""
    user = request.user
    assert isinstance(user, User)
    learner_id = _learner_param(request)
    read = selectors.join_read(user=user, session_id=session_id, learner_id=learner_id)
    if read is None:
        raise Http404
    if learner_id is None and read.access is None:
        # A family that came from the calendar or the page without a child chosen.
        learners = list(selectors.learners_joinable(user=user, offering=read.session.offering))
        if len(learners) > 1:
            return render(
                request, "classroom/choose.html", {"session": read.session, "learners": learners}
            )
        if learners:
            learner_id = learners[0].pk
            read = selectors.join_read(user=user, session_id=session_id, learner_id=learner_id)
            assert read is not None
    session, access, ip = read.session, read.access, client_ip(request)
    if access is None:
        services.join_log(session=session, user=user, outcome=JoinOutcome.REFUSED, ip=ip)
        raise Http404
    window = selectors.join_window(session=session)
    if not window.is_open:
        services.join_log(
            session=session, user=user, outcome=JoinOutcome.CLOSED, ip=ip, access=access
        )
        return render(request, "classroom/closed.html", {"session": session, "window": window})
    if access.learner_id is not None:
        gate = device_check_gate(
            learner_id=access.learner_id,
            checked=read.device_checked,
            next_url=request.get_full_path(),
            skipped=request.GET.get(SKIP_PARAMETER) == SKIP_VALUE,
        )
        if gate is not None:
            return redirect(gate)
    try:
        result = services.join_start(
            session=session,
            user=user,
            access=access,
            ip=ip,
            site_url=_site_url(request),
            room=read.room,
        )
    except BBBError as exc:
        logger.warning("join session %s: %s", session.pk, exc.detail)
        return _unavailable(request, session)
    return HttpResponseRedirect(result.url)


@require_safe
@login_required
def recording(request: HttpRequest, session_id: int) -> HttpResponse:
    """Checks the person, then asks the classroom for the playback URL and goes there."""
    session = _session(session_id)
    if session not in selectors.recordings_visible(user=request.user, offering=session.offering):
        raise Http404
    room = get_object_or_404(Room, session=session)
    try:
        url = services.recording_playback_url(room=room)
    except BBBError as exc:
        logger.warning("recording of session %s: %s", session.pk, exc.detail)
        return _unavailable(request, session)
    if url is None:
        return render(request, "classroom/recording_pending.html", {"session": session})
    return redirect(url)


@require_safe
@login_required
def presence(request: HttpRequest, session_id: int) -> HttpResponse:
    """Who was in the room and for how many minutes: for the offering's instructors and the
    center's staff (the attendance sheet, issue 10 item 6, starts from this)."""
    user = request.user
    assert isinstance(user, User)
    session = _session(session_id)
    allowed = selectors.is_instructor_of(user=user, offering=session.offering) or (
        user.role != "instructor"
        and center_list_for_staff(user=user).filter(pk=session.offering.center_id).exists()
    )
    if not allowed:
        raise Http404
    return render(
        request,
        "classroom/presence.html",
        {"session": session, "rows": selectors.session_presence(session=session)},
    )


def _callback_url(request: HttpRequest) -> str:
    """The URL the classroom called, without the checksum (what it signed)."""
    params = [(k, v) for k, v in request.GET.lists() if k != "checksum"]
    query = urlencode([(k, v) for k, values in params for v in values])
    base = f"{_site_url(request)}{request.path}"
    return f"{base}?{query}" if query else base


@csrf_exempt
@require_POST
def bbb_events(request: HttpRequest) -> HttpResponse:
    """The webhooks receiver: join/leave/end events, checked by their checksum. A forged
    call is 401, a body that is not the webhooks' shape 400, an event of another room 200."""
    given = request.GET.get("checksum", "")
    body = request.body
    if not services.webhook_checksum_ok(url=_callback_url(request), body=body, given=given):
        return HttpResponse("checksum", status=401, content_type="text/plain")
    try:
        events = services.events_parse(body)
    except ValueError:
        return HttpResponse("bad event", status=400, content_type="text/plain")
    for event in events:
        services.presence_event_record(event=event)
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def bbb_ended(request: HttpRequest, room_id: int, token: str) -> HttpResponse:
    """BBB's end callback (meta_endCallbackUrl): the token in the path is the proof."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not constant_time_compare(token, services.end_callback_token(room=room)):
        raise Http404
    services.room_end_record(room=room, at=timezone.now())
    return HttpResponse("ok", content_type="text/plain")


def join_path(session: Session, learner_id: int | None = None) -> str:
    """The join page's address (no secret in it): what buttons and the calendar link to."""
    path = reverse("classroom:join", args=[session.pk])
    return f"{path}?{urlencode({'learner': learner_id})}" if learner_id else path
