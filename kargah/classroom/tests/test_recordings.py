"""Recordings: enrolled families of a recording offering see them on its page, through our
endpoint, which checks access and fetches the playback URL at click time."""

from __future__ import annotations

import pytest

from kargah.accounts.tests.factories import GuardianFactory
from kargah.catalog.tests.factories import EnrollmentFactory
from kargah.classroom import services
from kargah.classroom.bbb import bbb_client
from kargah.classroom.models import ClassroomSettings
from kargah.classroom.tests.conftest import signed_in
from kargah.enrollment.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


@pytest.fixture
def recorded(session, child):
    ClassroomSettings.objects.create(offering=session.offering, records=True)
    room = services.room_ensure(session=session, site_url=SITE)
    bbb_client().end(meeting_id=room.meeting_id)  # the fake makes a recording
    return session


def test_an_enrolled_family_sees_the_recording_and_is_sent_to_it(recorded, guardian):
    page = signed_in(guardian).get(f"/catalog/{recorded.offering_id}/").content.decode()
    assert f"/class/session/{recorded.pk}/recording/" in page
    assert "/fake-bbb/playback" not in page  # never a public URL in the page
    response = signed_in(guardian).get(f"/class/session/{recorded.pk}/recording/")
    assert response.status_code == 302
    assert "/fake-bbb/playback/presentation/2.3/" in response["Location"]


def test_a_completed_place_still_sees_it(recorded, child, guardian):
    Enrollment.objects.filter(learner=child).update(status=EnrollmentStatus.COMPLETED)
    assert signed_in(guardian).get(f"/class/session/{recorded.pk}/recording/").status_code == 302


def test_others_do_not(recorded, child, guardian):
    stranger = GuardianFactory.create()
    assert signed_in(stranger).get(f"/class/session/{recorded.pk}/recording/").status_code == 404
    page = signed_in(stranger).get(f"/catalog/{recorded.offering_id}/").content.decode()
    assert "/recording/" not in page
    Enrollment.objects.filter(learner=child).update(status=EnrollmentStatus.DROPPED)
    assert signed_in(guardian).get(f"/class/session/{recorded.pk}/recording/").status_code == 404


def test_an_offering_that_does_not_record_shows_none(session, child, guardian):
    room = services.room_ensure(session=session, site_url=SITE)
    bbb_client().end(meeting_id=room.meeting_id)
    assert signed_in(guardian).get(f"/class/session/{session.pk}/recording/").status_code == 404


def test_a_recording_not_ready_yet_is_a_persian_page(session, child, guardian, offering):
    ClassroomSettings.objects.create(offering=offering, records=True)
    room = services.room_ensure(session=session, site_url=SITE)
    services.room_end_record(room=room)  # ended on our side; the server has no recording yet
    response = signed_in(guardian).get(f"/class/session/{session.pk}/recording/")
    assert response.status_code == 200
    assert 'data-testid="recording-pending"' in response.content.decode()


def test_the_instructor_sees_it_too(recorded, instructor, offering):
    EnrollmentFactory.create(offering=offering)
    assert signed_in(instructor).get(f"/class/session/{recorded.pk}/recording/").status_code == 302
