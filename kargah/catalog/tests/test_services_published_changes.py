"""A published offering changed by its center (issue 11 item 1): what may change, the
refusals in Persian with nothing written, the audit row, one SMS per enrolled family, and
new seats offered to the waiting list in order."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kargah.accounts.tests.factories import CenterFactory, LearnerFactory, StaffFactory
from kargah.catalog import services
from kargah.catalog.models import Offering, OfferingStatus
from kargah.catalog.services_published import offering_change_published
from kargah.catalog.tests.factories import EnrollmentFactory, InstructorFactory
from kargah.core.errors import DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import format_jalali_datetime, to_tehran
from kargah.enrollment.models import EnrollmentStatus, WaitingListEntry, WaitingStatus
from kargah.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

REASON = "استقبال خانواده‌ها"


@pytest.fixture
def offering(make_offering, staff) -> Offering:
    """Published, registration open now (it closes two days before the first session,
    three weeks away), capacity 3, quorum 2, with two families registered."""
    first = timezone.localdate() + dt.timedelta(days=21)
    draft = make_offering(first_date=first, count=4, capacity=3, quorum=2, title="سفال")
    published = services.offering_publish(actor=staff, offering=draft)
    child = LearnerFactory.create()
    EnrollmentFactory.create(offering=published, learner=child)
    EnrollmentFactory.create(offering=published, learner=LearnerFactory.create(family=child.family))
    EnrollmentFactory.create(offering=published)
    EnrollmentFactory.create(offering=published, status=EnrollmentStatus.DROPPED)
    published.refresh_from_db()
    assert published.seats_taken == 3
    return published


def rows():
    offering = Offering.objects.get()
    return {
        "offering": (
            offering.capacity, offering.quorum, offering.registration_opens_at,
            offering.registration_closes_at, offering.fee_rials,
            sorted(offering.instructors.values_list("pk", flat=True)),
        ),
        "audit": AuditLogEntry.objects.filter(action="offering.changed").count(),
        "outbox": OutboxMessage.objects.count(),
        "waiting": list(WaitingListEntry.objects.values_list("status", flat=True)),
    }  # fmt: skip


def refused(code: str, **change) -> DomainError:
    before = rows()
    with translation.override("fa"), pytest.raises(DomainError) as caught:
        offering_change_published(reason=REASON, **change)
    assert caught.value.code == code
    assert rows() == before  # counted before and after: nothing written
    return caught.value


def change_sms():
    return list(OutboxMessage.objects.filter(kind="offering_change").order_by("recipient"))


def test_capacity_below_the_seats_taken_is_refused_in_persian(offering, staff):
    error = refused("below_taken", actor=staff, offering=offering, capacity=2)
    assert "۳" in str(error.message) and "ظرفیت" in str(error.message)


def test_capacity_raised_offers_the_new_seats_to_the_waiting_families_in_order(offering, staff):
    waiting = []
    for _n in range(3):
        child = LearnerFactory.create()
        waiting.append(
            WaitingListEntry.objects.create(offering=offering, learner=child, family=child.family)
        )
    outcome = offering_change_published(actor=staff, offering=offering, capacity=5, reason=REASON)

    assert outcome.offered == 2
    for entry in waiting:
        entry.refresh_from_db()
    assert [e.status for e in waiting] == [
        WaitingStatus.OFFERED, WaitingStatus.OFFERED, WaitingStatus.WAITING,
    ]  # fmt: skip
    offering.refresh_from_db()
    assert (offering.capacity, offering.seats_taken) == (5, 5)
    offers = OutboxMessage.objects.filter(kind="waiting_list_offer")
    assert sorted(offers.values_list("recipient", flat=True)) == sorted(
        str(e.family.guardian.mobile) for e in waiting[:2]
    )
    record = AuditLogEntry.objects.get(action="offering.changed")
    assert record.actor == staff and record.reason == REASON
    assert record.before == {"capacity": 3}
    assert record.after == {"capacity": 5, "waiting_offered": [waiting[0].pk, waiting[1].pk]}


def test_each_enrolled_family_is_told_once_in_persian(offering, staff):
    """The family with two children gets one SMS, the family that dropped none."""
    other = InstructorFactory.create(center=offering.center, first_name="مریم", last_name="نوری")
    offering_change_published(
        actor=staff, offering=offering, capacity=4, quorum=1, instructors=[other], reason=REASON
    )
    messages = change_sms()
    mobiles = sorted(
        {str(e.family.guardian.mobile) for e in offering.enrollments.filter(status="confirmed")}
    )
    assert [m.recipient for m in messages] == mobiles and len(mobiles) == 2
    body = messages[0].body
    assert "سفال" in body and "۴" in body and "مریم نوری" in body and REASON in body
    assert list(offering.instructors.all()) == [other]
    record = AuditLogEntry.objects.get(action="offering.changed")
    assert set(record.after or {}) == {"capacity", "quorum", "instructors", "waiting_offered"}


def test_each_family_reads_the_change_in_its_own_language(offering, staff):
    """The change's sentences are written per reader: a staff member working in English
    sends Persian digits and a Jalali date to a Persian family, Latin ones to an English one."""
    guardians = sorted(
        {e.family.guardian for e in offering.enrollments.filter(status="confirmed")},
        key=lambda g: str(g.mobile),
    )
    english = guardians[0]
    english.language = "en"
    english.save(update_fields=["language"])
    closes = offering.registration_closes_at
    assert closes is not None
    later = closes + dt.timedelta(days=1)
    with translation.override("en"):
        offering_change_published(
            actor=staff, offering=offering, capacity=4, registration_closes_at=later,
            reason=REASON,
        )  # fmt: skip
    by_mobile = {m.recipient: m.body for m in change_sms()}
    with translation.override("fa"):
        persian_date = format_jalali_datetime(later)
    with translation.override("en"):
        latin_date = format_jalali_datetime(later)
    assert persian_date != latin_date
    persian = by_mobile[str(guardians[1].mobile)]
    assert "ظرفیت: ۴" in persian and persian_date in persian and latin_date not in persian
    in_english = by_mobile[str(english.mobile)]
    assert in_english.startswith("Kargah: «سفال» has changed. Capacity: 4 seats.")
    assert latin_date in in_english


def test_quorum_above_capacity_is_refused(offering, staff):
    refused("capacity", actor=staff, offering=offering, quorum=4)
    refused("capacity", actor=staff, offering=offering, quorum=0)


def test_the_fee_never_changes_once_published(offering, staff):
    error = refused("fee", actor=staff, offering=offering, fee_rials=9_000_000)
    assert "شهریه" in str(error.message)


def test_registration_may_close_later_but_not_earlier_once_families_registered(offering, staff):
    """R4: the families registered expecting to drop until one day before the close."""
    closes = offering.registration_closes_at
    assert closes is not None
    refused(
        "drop_deadline", actor=staff, offering=offering,
        registration_closes_at=closes - dt.timedelta(days=1),
    )  # fmt: skip
    # After the first session is refused too.
    refused(
        "window", actor=staff, offering=offering,
        registration_closes_at=closes + dt.timedelta(days=9),
    )  # fmt: skip
    later = closes + dt.timedelta(days=1)
    offering_change_published(
        actor=staff, offering=offering, registration_closes_at=later, reason=REASON
    )
    offering.refresh_from_db()
    assert offering.registration_closes_at == later
    assert len(change_sms()) == 2


def test_without_families_registration_may_close_earlier_but_not_in_the_past(make_offering, staff):
    first = timezone.localdate() + dt.timedelta(days=21)
    offering = services.offering_publish(
        actor=staff, offering=make_offering(first_date=first, count=2)
    )
    refused(
        "window", actor=staff, offering=offering,
        registration_closes_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    refused(
        "window_opened", actor=staff, offering=offering,
        registration_opens_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    sooner = timezone.now() + dt.timedelta(days=3)
    offering_change_published(
        actor=staff, offering=offering, registration_closes_at=sooner, reason=REASON
    )
    offering.refresh_from_db()
    assert offering.registration_closes_at == sooner
    assert change_sms() == []  # nobody to tell


def test_an_instructor_of_another_center_is_refused(offering, staff):
    stranger = InstructorFactory.create(center=CenterFactory.create())
    refused("instructor", actor=staff, offering=offering, instructors=[stranger])
    refused("instructor", actor=staff, offering=offering, instructors=[])


def test_after_registration_closed_only_the_instructors_change(offering, staff):
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.REGISTRATION_CLOSED)
    offering.refresh_from_db()
    refused("status", actor=staff, offering=offering, capacity=10)
    other = InstructorFactory.create(center=offering.center)
    offering_change_published(actor=staff, offering=offering, instructors=[other], reason=REASON)
    assert list(offering.instructors.all()) == [other]


def test_nothing_changed_no_reason_and_a_draft_are_refused(offering, staff, make_offering):
    refused("unchanged", actor=staff, offering=offering, capacity=3)
    with pytest.raises(DomainError) as caught:
        offering_change_published(actor=staff, offering=offering, capacity=5, reason=" ")
    assert caught.value.code == "reason"
    draft = make_offering(first_date=timezone.localdate() + dt.timedelta(days=40), count=1)
    with pytest.raises(DomainError) as caught:
        offering_change_published(actor=staff, offering=draft, capacity=5, reason=REASON)
    assert caught.value.code == "draft"


def test_staff_of_another_center_may_not_change_it(offering):
    stranger = StaffFactory.create(center=CenterFactory.create())
    with pytest.raises(NotAllowed):
        offering_change_published(actor=stranger, offering=offering, capacity=9, reason=REASON)
    offering.refresh_from_db()
    assert offering.capacity == 3


# --- the staff page -------------------------------------------------------------------------


def change_page(offering) -> str:
    return reverse("catalog_staff:offering_change", args=[offering.pk])


def window_data(offering, **extra):
    opens = to_tehran(offering.registration_opens_at)
    closes = to_tehran(offering.registration_closes_at)
    return {
        "capacity": "۳", "quorum": "۲",
        "registration_opens_date": jdatetime.date.fromgregorian(date=opens.date()).strftime(
            "%Y/%m/%d"
        ),
        "registration_opens_time": opens.strftime("%H:%M"),
        "registration_closes_date": jdatetime.date.fromgregorian(date=closes.date()).strftime(
            "%Y/%m/%d"
        ),
        "registration_closes_time": closes.strftime("%H:%M"),
        "instructors": list(offering.instructors.values_list("pk", flat=True)),
        "reason": REASON,
        **extra,
    }  # fmt: skip


def test_the_staff_page_raises_the_capacity_and_tells_the_families(client, offering, staff):
    client.force_login(staff)
    detail = client.get(reverse("catalog_staff:offering_detail", args=[offering.pk]))
    assert change_page(offering) in detail.content.decode()
    assert client.get(change_page(offering)).status_code == 200
    response = client.post(change_page(offering), window_data(offering, capacity="۶"))
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.capacity == 6
    assert len(change_sms()) == 2


def test_the_staff_page_shows_the_refusal_and_changes_nothing(client, offering, staff):
    client.force_login(staff)
    before = rows()
    with translation.override("fa"):
        response = client.post(
            change_page(offering), window_data(offering, capacity="۲", quorum="۱")
        )
    assert response.status_code == 200
    assert "ظرفیت نمی‌تواند کمتر" in response.content.decode()
    assert rows() == before


def test_the_staff_page_is_for_the_offerings_own_center(client, offering):
    client.force_login(StaffFactory.create(center=CenterFactory.create()))
    assert client.get(change_page(offering)).status_code == 404
    assert client.post(change_page(offering), window_data(offering)).status_code == 404
    client.force_login(InstructorFactory.create(center=offering.center))
    assert client.get(change_page(offering)).status_code == 403
