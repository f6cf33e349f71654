"""Closing registration at quorum (P2, rule 3): below quorum the class is cancelled and
every family's payment goes to its wallet at once, exactly once, however often the job runs
and wherever it was killed."""

from __future__ import annotations

import pytest

from kargah.catalog.models import Category, OfferingStatus
from kargah.catalog.tests.factories import (
    AgeGroupFactory,
    CategoryFactory,
    CourseFactory,
    EnrollmentFactory,
)
from kargah.core.models import AuditLogEntry
from kargah.enrollment import (
    services_common,
    services_quorum,
    services_registration,
    services_waitlist,
)
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.selectors import similar_offerings
from kargah.enrollment.tests.conftest import (
    FEE,
    make_child,
    make_offering,
    money_is_sound,
    register_paid,
)
from kargah.notifications.models import OutboxMessage
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def close_time(*offerings):
    return max(o.registration_closes_at for o in offerings)


def test_at_quorum_the_class_proceeds(clock, gateway):
    offering = make_offering(capacity=5, quorum=2)
    paid = [register_paid(offering), register_paid(offering)]
    clock.advance(minutes=1)
    child = make_child()
    services_registration.enrollment_create(
        guardian=child.family.guardian, learner=child, offering=offering, accept_terms=True
    )
    clock.current = close_time(offering)

    report = services_quorum.offerings_close_registration()

    assert report.proceeded == [offering.pk] and report.cancelled == [] and not report.failed
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTRATION_CLOSED
    for enrollment in paid:
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.CONFIRMED
    assert AuditLogEntry.objects.filter(action="offering.registration_closed").count() == 1
    assert services_quorum.offerings_close_registration().proceeded == []  # a rerun: nothing


def test_below_quorum_every_family_is_credited_and_told_with_similar_classes(clock, gateway):
    offering = make_offering(capacity=5, quorum=3)
    a, b = register_paid(offering), register_paid(offering)
    holder = make_child()
    hold = services_registration.enrollment_create(
        guardian=holder.family.guardian, learner=holder, offering=offering, accept_terms=True
    ).enrollment
    alike = make_offering(
        weekday=3,
        course=CourseFactory.create(category=offering.course.category),
        registration_closes_at=offering.registration_closes_at
        + __import__("datetime").timedelta(days=5),
    )
    clock.current = close_time(offering)

    report = services_quorum.offerings_close_registration()

    assert report.cancelled == [offering.pk]
    assert report.credited_enrollments == 2 and report.credited_rials == 2 * FEE
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CANCELLED and offering.seats_taken == 0
    for enrollment in (a, b, hold):
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.CANCELLED
    assert wallet_balance(family=a.learner.family) == FEE
    assert wallet_balance(family=b.learner.family) == FEE
    assert wallet_balance(family=holder.family) == 0
    messages = OutboxMessage.objects.filter(kind="quorum_cancelled")
    assert sorted(messages.values_list("recipient", flat=True)) == sorted(
        str(e.learner.family.guardian.mobile) for e in (a, b, hold)
    )
    for body in messages.values_list("body", flat=True):
        assert f"/catalog/{alike.pk}/" in body
    assert AuditLogEntry.objects.filter(action="offering.cancelled_quorum").count() == 1
    assert AuditLogEntry.objects.filter(action="enrollment.cancelled_quorum").count() == 3
    assert money_is_sound()

    # A rerun moves no money and tells nobody again.
    ledger, outbox = LedgerTransaction.objects.count(), OutboxMessage.objects.count()
    again = services_quorum.offerings_close_registration()
    assert again.cancelled == [] and again.credited_enrollments == 0
    assert (LedgerTransaction.objects.count(), OutboxMessage.objects.count()) == (ledger, outbox)


def test_a_class_still_open_is_left_alone(clock):
    offering = make_offering()
    clock.current = offering.registration_closes_at - __import__("datetime").timedelta(
        microseconds=1
    )
    assert services_quorum.offerings_close_registration().cancelled == []
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED


def test_waiting_list_places_end_with_registration(clock, gateway):
    offering = make_offering(capacity=1, quorum=1)
    register_paid(offering)
    child = make_child()
    entry = services_waitlist.waiting_list_join(
        guardian=child.family.guardian, learner=child, offering=offering
    )
    clock.current = close_time(offering)
    services_quorum.offerings_close_registration()
    entry.refresh_from_db()
    assert entry.status == "expired"


class Killed(BaseException):
    """The worker process dies (not an error the job could catch and carry on from)."""


@pytest.mark.parametrize("killed_at_credit", [2, 3])
def test_a_run_killed_midway_and_rerun_credits_each_family_exactly_once(
    clock, monkeypatch, killed_at_credit
):
    first = make_offering(weekday=1, capacity=5, quorum=3)
    second = make_offering(weekday=2, capacity=5, quorum=3)
    places = [
        register_paid(first),
        register_paid(first),
        register_paid(second),
        register_paid(second),
    ]
    clock.current = close_time(first, second)
    real_credit = services_common._credit
    calls = {"n": 0}

    def dying_credit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == killed_at_credit:
            raise Killed
        return real_credit(*args, **kwargs)

    monkeypatch.setattr(services_common, "_credit", dying_credit)
    with pytest.raises(Killed):
        services_quorum.offerings_close_registration()
    monkeypatch.setattr(services_common, "_credit", real_credit)

    # Whatever was done is whole: an offering is either closed with all its credits or untouched.
    for offering in (first, second):
        offering.refresh_from_db()
        credited = LedgerTransaction.objects.filter(
            reference__in=[
                f"enrollment:{p.pk}:quorum" for p in places if p.offering_id == offering.pk
            ]
        ).count()
        assert credited == (2 if offering.status == OfferingStatus.CANCELLED else 0)

    report = services_quorum.offerings_close_registration()

    assert sorted(
        report.cancelled + [o.pk for o in (first, second) if o.pk not in report.cancelled]
    ) == sorted([first.pk, second.pk])
    for place in places:
        assert (
            LedgerTransaction.objects.filter(reference=f"enrollment:{place.pk}:quorum").count() == 1
        )
        assert wallet_balance(family=place.learner.family) == FEE
    assert OutboxMessage.objects.filter(kind="quorum_cancelled").count() == 4
    assert money_is_sound()
    assert services_quorum.offerings_close_registration().credited_enrollments == 0


def test_an_offering_that_fails_is_reported_and_the_others_still_close(clock, monkeypatch):
    broken = make_offering(weekday=1, capacity=5, quorum=3)
    fine = make_offering(weekday=2, capacity=5, quorum=3)
    register_paid(broken)
    place = register_paid(fine)
    clock.current = close_time(broken, fine)
    real = services_quorum._quorum_cancel_enrollment

    def failing(enrollment, **kwargs):
        if enrollment.offering_id == broken.pk:
            raise RuntimeError("boom")
        return real(enrollment, **kwargs)

    monkeypatch.setattr(services_quorum, "_quorum_cancel_enrollment", failing)
    report = services_quorum.offerings_close_registration()
    assert report.failed == [broken.pk] and report.cancelled == [fine.pk]
    broken.refresh_from_db()
    assert broken.status == OfferingStatus.PUBLISHED  # rolled back whole; retried next run
    assert wallet_balance(family=place.learner.family) == FEE

    monkeypatch.setattr(services_quorum, "_quorum_cancel_enrollment", real)
    assert services_quorum.offerings_close_registration().cancelled == [broken.pk]


def test_the_close_task_runs_the_service(clock):
    from kargah.enrollment import tasks

    offering = make_offering(capacity=5, quorum=1)
    EnrollmentFactory.create(offering=offering)
    clock.current = close_time(offering)
    assert tasks.offerings_close_registration.delay().get()["proceeded"] == [offering.pk]


# --- similar offerings -------------------------------------------------------------------


def test_similar_offerings_are_open_fitting_and_related(clock):
    parent = Category.objects.create(name="هنر", slug="art", kind="artistic")
    painting = CategoryFactory.create(parent=parent)
    drawing = CategoryFactory.create(parent=parent)
    elsewhere = CategoryFactory.create()
    base = make_offering(course=CourseFactory.create(category=painting))
    child = make_child()

    same = make_offering(weekday=1, course=CourseFactory.create(category=painting))
    sibling = make_offering(weekday=2, course=CourseFactory.create(category=drawing))
    at_parent = make_offering(weekday=3, course=CourseFactory.create(category=parent))
    make_offering(weekday=4, course=CourseFactory.create(category=elsewhere))  # unrelated
    make_offering(  # too old for it
        weekday=5, course=CourseFactory.create(category=painting,
                                               age_group=AgeGroupFactory.create(min_age=14, max_age=18)),
    )  # fmt: skip
    full = make_offering(
        weekday=6, capacity=1, quorum=1, course=CourseFactory.create(category=painting)
    )
    EnrollmentFactory.create(offering=full)
    mine = make_offering(weekday=1, course=CourseFactory.create(category=painting))
    EnrollmentFactory.create(offering=mine, learner=child)

    found = similar_offerings(learner=child, offering=base)
    assert found[0] == same  # the same category first
    assert set(found) == {same, sibling, at_parent}
    assert len(similar_offerings(learner=child, offering=base, limit=2)) == 2
