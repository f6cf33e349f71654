"""The messages of the catalogue that registration adds (issue 12): a seat held with its
deadline, the hold run out, and the quorum's result when the class runs; each once, in
Persian with the Jalali time of Tehran, even when the step that tells it runs twice."""

from __future__ import annotations

import re

import pytest

from kargah.core.persian import format_jalali_datetime, format_weekday
from kargah.enrollment import (
    services_common,
    services_quorum,
    services_registration,
    services_seats,
)
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import make_child, make_offering, register_paid
from kargah.notifications.models import InboxItem, OutboxMessage

pytestmark = pytest.mark.django_db


def _sms(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind, channel="sms"))


def test_a_held_seat_is_told_with_its_deadline_and_its_end(offering, learner, guardian, gateway):
    result = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    )
    held = result.enrollment
    assert held.status == EnrollmentStatus.AWAITING_PAYMENT and held.hold_expires_at
    [sms] = _sms("seat_held")
    assert sms.recipient == guardian.mobile
    assert format_jalali_datetime(held.hold_expires_at) in sms.body
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", sms.body)

    for _ in range(2):  # the minute job, run twice
        services_seats.enrollment_holds_release(now=held.hold_expires_at)
    held.refresh_from_db()
    assert held.status == EnrollmentStatus.CANCELLED
    [released] = _sms("hold_expired")
    assert learner.first_name in released.body and offering.course.title in released.body
    assert InboxItem.objects.filter(user=guardian, kind="hold_expired").count() == 1


def test_the_quorum_met_is_told_to_each_confirmed_family_once(clock, gateway):
    offering = make_offering(capacity=5, quorum=2)
    paid = [register_paid(offering), register_paid(offering)]
    waiting = make_child()
    services_registration.enrollment_create(
        guardian=waiting.family.guardian, learner=waiting, offering=offering, accept_terms=True
    )
    clock.current = offering.registration_closes_at
    services_quorum.offerings_close_registration()
    services_quorum.offerings_close_registration()  # a rerun changes nothing
    offering.refresh_from_db()
    services_common._tell_quorum_met(offering)  # the telling itself, repeated: still once per event
    told = _sms("quorum_met")
    assert sorted(m.recipient for m in told) == sorted(str(e.family.guardian.mobile) for e in paid)
    first = offering.sessions.order_by("starts_at").first()
    assert first is not None
    when = f"{format_weekday(first.starts_at)} {format_jalali_datetime(first.starts_at)}"
    assert all(when in m.body and "حد نصاب رسید" in m.body for m in told)
