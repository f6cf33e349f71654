"""A class, or one place, cancelled by the center (issue 11 item 4; rules 3 and 9): every
family's payment back to its wallet through the ledger exactly once, however often the
service runs, each family told once, audited, and counted as a service event."""

from __future__ import annotations

import pytest

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import OfferingStatus
from kargah.catalog.tests.factories import CourseFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.enrollment import services_cancel, services_registration, services_waitlist
from kargah.enrollment.models import EnrollmentStatus, WaitingListEntry, WaitingStatus
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    register_paid,
    row_counts,
)
from kargah.notifications.models import OutboxMessage
from kargah.sla.models import ServiceEvent, ServiceEventKind
from kargah.wallet.models import LedgerTransaction, TransactionKind
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def staff_of(offering):
    return StaffFactory.create(center=offering.center)


def test_cancelling_a_class_credits_every_family_once_and_tells_each_once(clock, gateway):
    offering = make_offering(capacity=4, quorum=1)
    a, b = register_paid(offering), register_paid(offering)
    holder = make_child()
    hold = services_registration.enrollment_create(
        guardian=holder.family.guardian, learner=holder, offering=offering, accept_terms=True
    ).enrollment
    waiting = make_child()
    c = register_paid(offering)  # the class is now full
    entry = services_waitlist.waiting_list_join(
        guardian=waiting.family.guardian, learner=waiting, offering=offering
    )
    alike = make_offering(weekday=3, course=CourseFactory.create(category=offering.course.category))
    staff = staff_of(offering)

    report = services_cancel.offering_cancel(
        actor=staff, offering=offering, reason="مربی بیمار است"
    )

    assert report.cancelled_places == 4 and report.credited_rials == 3 * FEE
    assert not report.already
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CANCELLED and offering.seats_taken == 0
    for place in (a, b, hold):
        place.refresh_from_db()
        assert place.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=a.family) == FEE and wallet_balance(family=b.family) == FEE
    assert wallet_balance(family=holder.family) == 0  # an unpaid hold had nothing to give back
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.EXPIRED
    credits = LedgerTransaction.objects.filter(kind=TransactionKind.CANCEL_CREDIT)
    assert sorted(credits.values_list("reference", flat=True)) == sorted(
        f"enrollment:{e.pk}:cancel" for e in (a, b, c)
    )
    messages = OutboxMessage.objects.filter(kind="offering_cancelled")
    assert messages.count() == 4
    assert holder.family.guardian.mobile in set(messages.values_list("recipient", flat=True))
    body = messages.get(recipient=a.family.guardian.mobile).body
    assert "مربی بیمار است" in body and "/wallet/refund/" in body
    assert f"/catalog/{alike.pk}/" in body  # a similar open class for the child
    assert not messages.filter(recipient=waiting.family.guardian.mobile).exists()
    audit = AuditLogEntry.objects.get(action="offering.cancelled_by_center")
    assert audit.reason == "مربی بیمار است" and audit.actor_id == staff.pk
    assert AuditLogEntry.objects.filter(action="enrollment.cancelled_by_center").count() == 4
    event = ServiceEvent.objects.get(kind=ServiceEventKind.OFFERING_CANCELLED)
    assert event.offering_id == offering.pk and event.details["credited_rials"] == 3 * FEE
    assert money_is_sound()

    # Run twice: nothing moves, nobody is told again.
    counts = row_counts()
    again = services_cancel.offering_cancel(actor=staff, offering=offering, reason="دوباره")
    assert again.already and row_counts() == counts
    assert ServiceEvent.objects.count() == 1


def test_only_the_offerings_own_center_may_cancel_it_and_a_reason_is_needed(clock, gateway):
    offering = make_offering()
    register_paid(offering)
    counts = row_counts()
    with pytest.raises(NotAllowed):
        services_cancel.offering_cancel(actor=StaffFactory.create(), offering=offering, reason="x")
    with pytest.raises(DomainError) as refused:
        services_cancel.offering_cancel(actor=staff_of(offering), offering=offering, reason="  ")
    assert refused.value.code == "reason"
    assert row_counts() == counts
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED


def test_a_finished_class_is_not_cancelled(clock):
    offering = make_offering()
    offering.status = OfferingStatus.FINISHED
    offering.save(update_fields=["status"])
    with pytest.raises(DomainError) as refused:
        services_cancel.offering_cancel(actor=staff_of(offering), offering=offering, reason="دیر")
    assert refused.value.code == "status"


def test_one_place_cancelled_by_the_center_goes_back_to_the_wallet_and_frees_the_seat(
    clock, gateway
):
    offering = make_offering(capacity=1, quorum=1)
    place = register_paid(offering)
    waiting = make_child()
    entry = services_waitlist.waiting_list_join(
        guardian=waiting.family.guardian, learner=waiting, offering=offering
    )
    staff = staff_of(offering)

    services_cancel.enrollment_cancel_by_center(
        actor=staff, enrollment=place, reason="به گروه دیگری منتقل شد"
    )

    place.refresh_from_db()
    assert place.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=place.family) == FEE
    told = OutboxMessage.objects.get(kind="enrollment_cancelled_by_center")
    assert told.recipient == place.family.guardian.mobile and "منتقل شد" in told.body
    audit = AuditLogEntry.objects.get(action="enrollment.cancelled_by_center")
    assert audit.reason == "به گروه دیگری منتقل شد"
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED  # the freed seat goes to the waiting list
    assert money_is_sound()

    counts = row_counts()
    with pytest.raises(DomainError) as refused:
        services_cancel.enrollment_cancel_by_center(actor=staff, enrollment=place, reason="دوباره")
    assert refused.value.code == "status" and row_counts() == counts
    assert WaitingListEntry.objects.filter(status=WaitingStatus.OFFERED).count() == 1


def test_another_centers_staff_cannot_cancel_a_place(clock, gateway):
    offering = make_offering()
    place = register_paid(offering)
    counts = row_counts()
    with pytest.raises(NotAllowed):
        services_cancel.enrollment_cancel_by_center(
            actor=StaffFactory.create(), enrollment=place, reason="x"
        )
    assert row_counts() == counts
