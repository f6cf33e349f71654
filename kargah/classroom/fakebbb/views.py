"""The fake BBB server's pages: the API, the join page, a simple Persian room and playback."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kargah.classroom.fakebbb import server


def _answer(answer: server.Answer) -> HttpResponse:
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


@csrf_exempt
def api(request: HttpRequest, call: str) -> HttpResponse:
    """BBB answers GET (and POST for create with a body); the query carries the checksum."""
    return _answer(server.handle(call, request.META.get("QUERY_STRING", "")))


@require_safe
def join(request: HttpRequest) -> HttpResponse:
    """Checks the signed join URL, puts the person in the room and shows it."""
    params, error = server.verify("join", request.META.get("QUERY_STRING", ""))
    if error is not None:
        return _answer(error)
    meeting = server.meeting_get(params.get("meetingID", ""))
    if meeting is None or meeting["ended"]:
        return _answer(
            server.failed(
                "invalidMeetingIdentifier",
                "The meeting ID that you supplied did not match any existing meetings",
            )
        )
    if not params.get("fullName"):
        return _answer(
            server.failed(
                "missingParamFullName",
                "You must specify a name for the attendee who will be joining the meeting.",
            )
        )
    token = server.attendee_join(
        meeting,
        user_id=params.get("userID", ""),
        full_name=params["fullName"],
        role=params.get("role", "VIEWER"),
        hook_url=request.build_absolute_uri(reverse("classroom:bbb_events")),
    )
    return redirect("fakebbb:room", token=token)


@require_safe
def room(request: HttpRequest, token: str) -> HttpResponse:
    meeting, attendee = server.attendee_of(token)
    if meeting is None:
        raise Http404
    return render(
        request,
        "fakebbb/room.html",
        {
            "meeting": meeting,
            "me": attendee,
            "token": token,
            "attendees": sorted(meeting["attendees"].values(), key=lambda a: a["joined_ms"]),
        },
    )


@require_POST
def leave(request: HttpRequest, token: str) -> HttpResponse:
    meeting = server.attendee_leave(token)
    if meeting is None:
        raise Http404
    return render(request, "fakebbb/left.html", {"meeting": meeting})


@require_safe
def playback(request: HttpRequest, record_id: str) -> HttpResponse:
    recording = server.recording_get(record_id)
    if recording is None:
        raise Http404
    return render(request, "fakebbb/playback.html", {"recording": recording})
