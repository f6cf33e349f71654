"""The offering's schedule as an iCalendar file: one event per session that will take place,
stable UIDs, exact UTC times, a download file name; drafts are a 404."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from kargah.catalog.models import Offering, OfferingStatus, SessionStatus
from kargah.catalog.tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def ics_url(offering: Offering) -> str:
    return f"/catalog/{offering.pk}/calendar.ics"


def events_of(content: bytes) -> list[icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(content)
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def offering() -> Offering:
    return OfferingFactory.create(published=True, course__title="نجوم برای کودکان")


def test_ics_has_one_event_per_session(client, offering):
    response = client.get(ics_url(offering))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="kargah-offering-{offering.pk}.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = events_of(response.content)
    sessions = list(offering.sessions.order_by("starts_at"))
    assert len(events) == len(sessions) == offering.course.session_count
    by_uid = {str(event["UID"]): event for event in events}
    for session in sessions:
        event = by_uid[f"session-{session.pk}@kargah"]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == session.starts_at and end == session.ends_at
        assert start.utcoffset() == dt.timedelta(0)  # written in UTC
        assert "نجوم برای کودکان" in str(event["SUMMARY"])
        assert str(session.number) in str(event["SUMMARY"])
        assert str(event["LOCATION"]) == "online"
        assert event.get("DTSTAMP") is not None
        # The session's join page (issue 10): no secret in it; it checks who clicks.
        assert str(event["URL"]) == f"http://testserver/class/session/{session.pk}/join/"


def test_ics_times_are_tehran_times_in_utc(client, offering):
    # The factory's sessions start at 16:00 Tehran time (UTC+03:30): 12:30 UTC.
    text = client.get(ics_url(offering)).content.decode()
    assert "T123000Z" in text


def test_uids_are_stable_between_downloads(client, offering):
    first = {str(e["UID"]) for e in events_of(client.get(ics_url(offering)).content)}
    second = {str(e["UID"]) for e in events_of(client.get(ics_url(offering)).content)}
    assert first == second and len(first) == offering.course.session_count


def test_cancelled_sessions_are_left_out(client, offering):
    cancelled = offering.sessions.order_by("starts_at").first()
    assert cancelled is not None
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    uids = {str(e["UID"]) for e in events_of(client.get(ics_url(offering)).content)}
    assert f"session-{cancelled.pk}@kargah" not in uids
    assert len(uids) == offering.course.session_count - 1


def test_a_cancelled_offering_has_no_events(client, offering):
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    response = client.get(ics_url(offering))
    assert response.status_code == 200
    assert events_of(response.content) == []


def test_draft_offering_has_no_calendar(client):
    draft = OfferingFactory.create(with_sessions=True)
    assert client.get(ics_url(draft)).status_code == 404
    assert client.get("/catalog/424242/calendar.ics").status_code == 404


def test_ics_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    small = OfferingFactory.create(published=True, course__session_count=3)
    big = OfferingFactory.create(published=True, course__session_count=30)
    with django_assert_max_num_queries(4):
        assert client.get(ics_url(small)).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(ics_url(big)).status_code == 200
