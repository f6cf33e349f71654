"""Every change a family makes is confirmed by a message (issue 8, item 6; finding 9: a
registration paid from the wallet queued none): registering or paying from the wallet,
dropping, giving up a held seat and switching each queue one SMS to the guardian."""

from __future__ import annotations

import pytest

from kargah.enrollment import services_drop, services_registration
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.tests.conftest import FEE, make_offering, top_up
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def messages(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind))


def register(learner, offering):
    return services_registration.enrollment_create(
        guardian=learner.family.guardian, learner=learner, offering=offering, accept_terms=True
    ).enrollment


def test_a_registration_paid_from_the_wallet_is_confirmed_by_sms(offering, learner, guardian):
    top_up(guardian.family, FEE)

    enrollment = register(learner, offering)

    assert enrollment.status == EnrollmentStatus.CONFIRMED
    [message] = messages("enrollment_confirmed")
    assert message.recipient == guardian.mobile
    assert learner.first_name in message.body
    assert offering.course.title in message.body
    assert "کیف پول" in message.body  # Persian, and it says where the money came from


def test_a_held_seat_paid_later_from_the_wallet_is_confirmed_by_sms(
    offering, learner, guardian, gateway
):
    held = register(learner, offering)
    assert held.status == EnrollmentStatus.AWAITING_PAYMENT
    top_up(guardian.family, FEE)

    services_registration.enrollment_pay(guardian=guardian, enrollment=held)

    [message] = messages("enrollment_confirmed")
    assert offering.course.title in message.body


def test_a_drop_is_confirmed_by_sms_with_the_money_returned(offering, learner, guardian):
    top_up(guardian.family, FEE)
    enrollment = register(learner, offering)

    services_drop.enrollment_drop(guardian=guardian, enrollment=enrollment)

    [message] = messages("enrollment_dropped")
    assert offering.course.title in message.body
    assert "۵۰۰٬۰۰۰ تومان" in message.body  # one money unit (issue 9)


def test_giving_up_a_held_seat_is_confirmed_by_sms(offering, learner, guardian, gateway):
    held = register(learner, offering)

    services_drop.enrollment_drop(guardian=guardian, enrollment=held)

    [message] = messages("hold_given_up")
    assert offering.course.title in message.body


def test_a_switch_is_confirmed_by_sms(offering, learner, guardian):
    top_up(guardian.family, FEE)
    enrollment = register(learner, offering)
    other = make_offering(weekday=3)

    services_drop.enrollment_switch(guardian=guardian, enrollment=enrollment, offering=other)

    [message] = messages("enrollment_switched")
    assert offering.course.title in message.body and other.course.title in message.body


def test_a_place_paid_from_the_wallet_awaiting_documents_says_so(
    offering, learner, guardian, monkeypatch
):
    monkeypatch.setattr(
        services_registration, "_waits_for_approval", lambda learner, offering: True
    )
    top_up(guardian.family, FEE)

    assert register(learner, offering).status == EnrollmentStatus.AWAITING_APPROVAL

    [message] = messages("enrollment_paid")
    assert "مدارک" in message.body
    assert messages("enrollment_confirmed") == []
