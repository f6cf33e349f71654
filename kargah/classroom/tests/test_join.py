"""Joining: the person is checked at click time and sent to a fresh join URL; nobody else
gets one; the window opens before the session and closes at its end; every click logged."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from kargah.accounts.models import LearnerLink, LinkStatus, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory
from kargah.accounts.tests.support import Clock
from kargah.catalog.models import Offering, Session
from kargah.catalog.tests.factories import EnrollmentFactory, InstructorFactory
from kargah.classroom import selectors
from kargah.classroom.bbb import breaker
from kargah.classroom.fakebbb import server
from kargah.classroom.models import JoinLog, Room
from kargah.classroom.tests.conftest import join, signed_in
from kargah.enrollment.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db


def _params(response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response["Location"])
    assert parts.path.endswith("/bigbluebutton/api/join")
    return parse_qs(parts.query)


def test_a_guardian_joins_their_confirmed_child_as_a_viewer(session, child, guardian):
    params = _params(join(guardian, session, child, REMOTE_ADDR="10.1.2.3"))
    assert params["role"] == ["VIEWER"]
    assert params["fullName"] == [child.full_name]
    assert params["userID"] == [f"learner-{child.pk}"]
    assert params["meetingID"] == [Room.objects.get(session=session).meeting_id]
    log = JoinLog.objects.get(session=session)
    assert (log.user, log.learner, log.role, log.outcome, log.ip) == (
        guardian,
        child,
        "viewer",
        "joined",
        "10.1.2.3",
    )


def test_the_instructor_joins_as_moderator_under_their_name(session, instructor):
    params = _params(join(instructor, session))
    assert params["role"] == ["MODERATOR"]
    assert params["fullName"] == [instructor.get_full_name()]
    assert JoinLog.objects.get(session=session).role == "moderator"


def test_each_click_gets_a_fresh_url_that_is_not_stored(session, child, guardian):
    first = join(guardian, session, child)["Location"]
    second = join(guardian, session, child)["Location"]
    assert first.startswith("http://testserver/fake-bbb/")
    stored = " ".join(str(v) for row in JoinLog.objects.values() for v in row.values())
    assert "checksum" not in stored and first not in stored
    assert server.create_calls() == 1 and second


def test_the_url_works_in_the_fake_and_the_room_shows_the_child(session, child, guardian):
    location = join(guardian, session, child)["Location"]
    page = Client().get(location.removeprefix("http://testserver"), follow=True)
    assert page.status_code == 200
    assert child.full_name in page.content.decode()


def test_a_family_not_enrolled_gets_no_link(session, child):
    stranger = GuardianFactory.create()
    own_child = LearnerFactory.create(family=stranger.family)
    assert join(stranger, session, own_child).status_code == 404
    assert join(stranger, session).status_code == 404
    assert JoinLog.objects.filter(outcome="refused").count() == 2
    assert not Room.objects.exists()


def test_another_familys_child_gets_no_link(session, child):
    other = GuardianFactory.create()
    assert join(other, session, child).status_code == 404
    log = JoinLog.objects.get()
    assert (log.user, log.outcome, log.learner, log.role) == (other, "refused", None, "")


def test_a_dropped_child_gets_no_link(session, child, guardian):
    Enrollment.objects.filter(learner=child).update(status=EnrollmentStatus.DROPPED)
    assert join(guardian, session, child).status_code == 404
    assert JoinLog.objects.get().outcome == "refused"
    assert not Room.objects.exists()


def test_an_unpaid_place_gets_no_link(session, offering):
    enrollment = EnrollmentFactory.create(
        offering=offering, status=EnrollmentStatus.AWAITING_PAYMENT
    )
    assert join(enrollment.family.guardian, session, enrollment.learner).status_code == 404


def test_a_guardian_posing_as_instructor_gets_no_link(session, guardian):
    # Without a child named, their one child is chosen for them: a viewer, never more.
    assert _params(join(guardian, session))["role"] == ["VIEWER"]
    assert JoinLog.objects.get().role == "viewer"
    assert join(GuardianFactory.create(), session).status_code == 404
    response = signed_in(guardian).get(f"/class/session/{session.pk}/join/?role=MODERATOR")
    assert _params(response)["role"] == ["VIEWER"]


def test_an_instructor_of_another_class_gets_no_link(session):
    other = InstructorFactory.create(center=session.offering.center)
    assert join(other, session).status_code == 404


def test_a_linked_second_guardian_joins_the_child(session, child):
    second = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=second.family, status=LinkStatus.APPROVED, requested_by=second
    )
    assert _params(join(second, session, child))["fullName"] == [child.full_name]


def test_a_family_with_two_children_in_the_class_chooses(session, offering, child, guardian):
    sibling = LearnerFactory.create(family=guardian.family)
    EnrollmentFactory.create(offering=offering, learner=sibling)
    page = join(guardian, session)
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="join-as"') == 2


def test_anonymous_is_sent_to_sign_in(session, child):
    response = Client().get(f"/class/session/{session.pk}/join/?learner={child.pk}")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_a_learner_id_that_is_no_number_is_404_and_persian_digits_work(session, child, guardian):
    client = signed_in(guardian)
    assert client.get(f"/class/session/{session.pk}/join/?learner=abc").status_code == 404
    persian = str(child.pk).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.get(f"/class/session/{session.pk}/join/?learner={persian}").status_code == 302


# --- the window ---------------------------------------------------------------------------


def _window_at(session: Session, clock: Clock, moment: dt.datetime) -> str:
    clock.current = moment
    return selectors.join_window(session=session).state


def test_the_window_boundaries(session: Session, clock: Clock):
    opens = session.starts_at - dt.timedelta(minutes=15)
    assert _window_at(session, clock, opens - dt.timedelta(seconds=1)) == "before"
    assert _window_at(session, clock, opens) == "open"
    assert _window_at(session, clock, session.ends_at - dt.timedelta(seconds=1)) == "open"
    assert _window_at(session, clock, session.ends_at) == "after"


def test_outside_the_window_a_friendly_page_with_the_time_and_no_link(
    session, child, guardian, clock
):
    clock.current = session.starts_at - dt.timedelta(minutes=15, seconds=1)
    page = join(guardian, session, child)
    assert page.status_code == 200
    assert 'data-testid="join-closed"' in page.content.decode()
    clock.current = session.ends_at
    assert 'data-testid="join-closed"' in join(guardian, session, child).content.decode()
    assert not Room.objects.exists()
    assert JoinLog.objects.filter(outcome="closed").count() == 2


def test_the_join_endpoint_at_the_window_boundaries(session, child, guardian, clock):
    opens = session.starts_at - dt.timedelta(minutes=15)
    clock.current = opens - dt.timedelta(seconds=1)
    assert 'data-testid="join-closed"' in join(guardian, session, child).content.decode()
    clock.current = opens
    assert _params(join(guardian, session, child))["role"] == ["VIEWER"]
    clock.current = session.ends_at - dt.timedelta(seconds=1)
    assert _params(join(guardian, session, child))["role"] == ["VIEWER"]
    clock.current = session.ends_at
    assert 'data-testid="join-closed"' in join(guardian, session, child).content.decode()
    outcomes = list(JoinLog.objects.order_by("at", "id").values_list("outcome", flat=True))
    assert outcomes == ["closed", "joined", "joined", "closed"]


def test_the_window_setting_moves_the_opening(session, clock, settings):
    settings.KARGAH_JOIN_OPENS_MINUTES = 5
    clock.current = session.starts_at - dt.timedelta(minutes=6)
    assert selectors.join_window(session=session).state == "before"


def test_a_cancelled_session_cannot_be_joined(session, child, guardian):
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    assert 'data-testid="join-closed"' in join(guardian, session, child).content.decode()


# --- the classroom down or slow -------------------------------------------------------------


def _server_down(monkeypatch, settings):
    import httpx

    from kargah.classroom.bbb import http as bbb_http

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    monkeypatch.setattr(bbb_http, "_default_transport", httpx.MockTransport(refused))
    settings.KARGAH_BBB_BREAKER_FAILURES = 2


def test_a_classroom_down_gives_a_persian_page_not_a_500(
    session, child, guardian, monkeypatch, settings
):
    _server_down(monkeypatch, settings)
    page = join(guardian, session, child)
    assert page.status_code == 503
    assert "کلاس آنلاین اکنون در دسترس نیست" in page.content.decode()
    join(guardian, session, child)
    assert breaker.is_open()
    assert JoinLog.objects.filter(outcome="unavailable").count() == 2


def test_a_classroom_too_slow_gives_the_persian_page_not_a_500(
    session, child, guardian, monkeypatch
):
    import httpx

    from kargah.classroom.bbb import http as bbb_http

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer within the read timeout", request=request)

    monkeypatch.setattr(bbb_http, "_default_transport", httpx.MockTransport(slow))
    page = join(guardian, session, child)
    assert page.status_code == 503
    assert "کلاس آنلاین اکنون در دسترس نیست" in page.content.decode()
    assert JoinLog.objects.get().outcome == "unavailable"
    assert Room.objects.get(session=session).opened_at is None


def test_a_classroom_down_leaves_the_offering_page_and_its_buttons_working(
    session, child, guardian, monkeypatch, settings
):
    _server_down(monkeypatch, settings)
    page = signed_in(guardian).get(f"/catalog/{session.offering_id}/")
    assert page.status_code == 200
    assert f"/class/session/{session.pk}/join/?learner={child.pk}" in page.content.decode()


def test_my_classes_and_the_offering_page_never_ask_the_classroom(
    session, child, guardian, instructor, monkeypatch
):
    import httpx

    from kargah.classroom.bbb import http as bbb_http

    asked: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        raise httpx.ConnectError("refused", request=request)

    monkeypatch.setattr(bbb_http, "_default_transport", httpx.MockTransport(down))
    button = f"/class/session/{session.pk}/join/?learner={child.pk}"
    for path in ("/enroll/schedule/", f"/catalog/{session.offering_id}/"):
        page = signed_in(guardian).get(path)
        assert page.status_code == 200, path
        body = page.content.decode()
        assert button in body and "</footer>" in body, path  # drawn whole, with its button
    page = signed_in(instructor).get(f"/catalog/{session.offering_id}/")
    assert f"/class/session/{session.pk}/join/" in page.content.decode()
    assert asked == []


# --- buttons --------------------------------------------------------------------------------


def test_buttons_only_for_confirmed_children_and_only_within_the_window(
    session: Session, offering: Offering, child, guardian: User, clock: Clock
):
    unpaid = EnrollmentFactory.create(
        offering=offering,
        learner=LearnerFactory.create(family=guardian.family),
        status=EnrollmentStatus.AWAITING_PAYMENT,
    )
    buttons = selectors.join_buttons(user=guardian, offering=offering, sessions=[session])
    assert [(b.session, b.learner) for b in buttons] == [(session, child)]
    assert unpaid.learner not in [b.learner for b in buttons]
    clock.current = session.starts_at - dt.timedelta(minutes=16)
    assert selectors.join_buttons(user=guardian, offering=offering, sessions=[session]) == []


def test_the_schedule_page_shows_the_join_button_in_the_window(session, child, guardian, clock):
    page = signed_in(guardian).get("/enroll/schedule/")
    assert f"/class/session/{session.pk}/join/?learner={child.pk}" in page.content.decode()
    clock.current = session.starts_at - dt.timedelta(minutes=20)
    page = signed_in(guardian).get("/enroll/schedule/")
    assert "/class/session/" not in page.content.decode()


def test_the_calendar_points_at_the_join_page(session):
    body = Client().get(f"/catalog/{session.offering_id}/calendar.ics").content.decode()
    assert f"/class/session/{session.pk}/join/" in body.replace("\r\n ", "")
    assert "checksum" not in body


# --- the hot path (make bench-join, docs/performance.md) ----------------------------------


def test_the_one_query_check_agrees_with_the_list_of_joinable_children(offering, child, guardian):
    """`learner_joinable` (one child, one query) keeps the rules of `learners_joinable`:
    own, linked by an approved link, paid for by the family; not pending links, not other
    families, not instructors, not a child without a confirmed place."""
    linked = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=linked.family, status=LinkStatus.APPROVED, requested_by=linked
    )
    pending = GuardianFactory.create()
    LearnerLink.objects.create(
        learner=child, family=pending.family, status=LinkStatus.REQUESTED, requested_by=pending
    )
    payer = GuardianFactory.create()
    paid = EnrollmentFactory.create(offering=offering, family=payer.family).learner
    waiting = LearnerFactory.create(family=guardian.family)
    EnrollmentFactory.create(
        offering=offering, learner=waiting, status=EnrollmentStatus.AWAITING_PAYMENT
    )
    people = [
        guardian,
        linked,
        pending,
        payer,
        GuardianFactory.create(),
        InstructorFactory.create(),
    ]
    checked = 0
    for person in people:
        allowed = set(selectors.learners_joinable(user=person, offering=offering))
        for learner in (child, paid, waiting):
            one = selectors.learner_joinable(user=person, offering=offering, learner_id=learner.pk)
            assert one == (learner if learner in allowed else None), (person, learner)
            checked += one is not None
    assert checked == 3  # the guardian and the linked one for the child; the payer for theirs


def test_a_join_into_an_open_room_reads_little(session, child, guardian, django_assert_num_queries):
    """Once the room is open a join is as cheap as the one-row write it is measured against
    (docs/performance.md): the session and the user (login), one read of the class session
    with the child's place, the device check and the room, and the join log's INSERT. No
    lock, no savepoint."""
    join(guardian, session, child)
    client = signed_in(guardian)
    with django_assert_num_queries(4) as queries:
        response = client.get(f"/class/session/{session.pk}/join/?learner={child.pk}")
    assert response.status_code == 302
    assert "/api/join?" in response["Location"]
    statements = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "LOCK" not in statements and "SAVEPOINT" not in statements
    assert queries.captured_queries[-1]["sql"].startswith('INSERT INTO "classroom_joinlog"')
    assert JoinLog.objects.filter(session=session, outcome="joined").count() == 2
