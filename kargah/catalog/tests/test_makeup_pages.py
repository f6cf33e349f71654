"""Cancelling a session and setting its make-up on the staff offering page (P3), and the
family's schedule showing the cancelled session and its make-up: through the test client."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog import services_lifecycle as lifecycle
from kargah.catalog.models import CancelCause, MakeupProposal, Session, SessionStatus
from kargah.catalog.selectors import session_get_for_instructor
from kargah.catalog.tests.conftest import LiveClass, tehran
from kargah.catalog.tests.factories import InstructorFactory
from kargah.core.persian import to_tehran
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def cancel_url(session: Session) -> str:
    return reverse("catalog_staff:session_cancel", args=[session.pk])


def makeup_url(session: Session) -> str:
    return reverse("catalog_staff:session_makeup", args=[session.pk])


def test_staff_cancel_a_session_and_see_the_proposal_with_why(
    client: Client, live_class: LiveClass, staff
):
    client.force_login(staff)
    page = client.get(reverse("catalog_staff:offering_detail", args=[live_class.offering.pk]))
    assert 'data-testid="cancel-session"' in page.content.decode()

    session = live_class.sessions[0]
    answer = client.post(
        cancel_url(session), {"cause": CancelCause.CENTER_DECISION, "reason": "قطعی برق"}
    )
    assert answer.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED

    html = client.get(answer["Location"]).content.decode()
    assert 'data-testid="makeup-proposal"' in html
    assert "تصمیم مرکز" in html and "قطعی برق" in html
    assert "هیچ هنرجویی در زمان پیشنهادی کلاس دیگری ندارد" in html


def test_cancel_form_refuses_bad_input_in_persian(client: Client, live_class: LiveClass, staff):
    client.force_login(staff)
    session = live_class.sessions[0]
    for data in ({"cause": "instructor_absent", "reason": "x"}, {"cause": "center_decision"}):
        answer = client.post(cancel_url(session), data)
        assert answer.status_code == 200
        assert "invalid-feedback" in answer.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_staff_confirm_the_proposed_make_up(client: Client, live_class: LiveClass, staff):
    session = live_class.sessions[0]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.INSTRUCTOR_REPORT, reason="بیماری"
    )
    proposal = MakeupProposal.objects.get(session=session)
    client.force_login(staff)
    answer = client.post(makeup_url(session))
    assert answer.status_code == 302
    makeup = Session.objects.get(makeup_for=session)
    assert makeup.starts_at == proposal.starts_at
    assert OutboxMessage.objects.filter(kind="makeup_scheduled").count() == 2
    page = client.get(
        reverse("catalog_staff:offering_detail", args=[live_class.offering.pk])
    ).content.decode()
    assert 'data-testid="makeup"' in page


def test_staff_choose_another_slot_with_persian_digits(
    client: Client, live_class: LiveClass, staff
):
    session = live_class.sessions[0]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="تعمیرات"
    )
    day = timezone.localdate() + dt.timedelta(days=10)
    jalali = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    persian = jalali.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    client.force_login(staff)
    answer = client.post(makeup_url(session), {"choose": "1", "date": persian, "time": "۱۰:۳۰"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    makeup = Session.objects.get(makeup_for=session)
    assert to_tehran(makeup.starts_at) == tehran(day, 10, 30)


def test_a_bad_slot_is_a_persian_message_and_nothing_changes(
    client: Client, live_class: LiveClass, staff
):
    session = live_class.sessions[0]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="تعمیرات"
    )
    client.force_login(staff)
    answer = client.post(
        makeup_url(session), {"choose": "1", "date": "۱۴۰۲/۰۱/۰۱", "time": "۱۰:۰۰"}
    )
    assert answer.status_code == 200
    assert "زمانی در آینده انتخاب کنید" in answer.content.decode()
    answer = client.post(makeup_url(session), {"choose": "1", "date": "نه", "time": "۹۹"})
    assert answer.status_code == 200
    assert not Session.objects.filter(makeup_for=session).exists()


def test_other_centers_staff_get_404_and_families_403(client: Client, live_class: LiveClass):
    session = live_class.sessions[0]
    client.force_login(StaffFactory.create())
    for url in (cancel_url(session), makeup_url(session)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"cause": "center_decision", "reason": "x"}).status_code == 404
    client.force_login(GuardianFactory.create())
    assert client.post(cancel_url(session), {"cause": "center_decision"}).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_an_instructor_finds_only_sessions_of_their_classes(live_class: LiveClass):
    session = live_class.sessions[0]
    mine = live_class.offering.instructors.get()
    assert session_get_for_instructor(user=mine, session_id=session.pk) == session
    with pytest.raises(Http404):
        session_get_for_instructor(
            user=InstructorFactory.create(center=live_class.offering.center),
            session_id=session.pk,
        )


def test_the_family_sees_the_cancelled_session_and_its_make_up(
    client: Client, live_class: LiveClass, staff
):
    session = live_class.sessions[0]
    lifecycle.session_cancel(
        actor=staff, session=session, cause=CancelCause.CENTER_DECISION, reason="تعمیرات"
    )
    guardian = live_class.enrollments[2].family.guardian
    client.force_login(guardian)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    assert 'data-testid="cancelled-session"' in page
    assert "جلسه جبرانی برگزار می‌شود" in page  # owed, its date to follow

    makeup = lifecycle.makeup_confirm(actor=staff, session=session)
    page = client.get(reverse("enrollment:schedule")).content.decode()
    assert 'data-testid="makeup-date"' in page
    assert "جبرانی" in page
    assert makeup.makeup_for == session
