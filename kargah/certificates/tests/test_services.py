"""Issuing certificates: once, for a completed place at or above the course's attendance
threshold, counted over the held sessions; revoking them, by the center with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import OfferingStatus, SessionStatus
from kargah.catalog.services_lifecycle import lifecycle_advance
from kargah.certificates import selectors, services
from kargah.certificates.models import CODE_ALPHABET, CODE_LENGTH, Certificate
from kargah.certificates.tests.conftest import CHILD, COURSE, World, mark
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.enrollment.models import EnrollmentStatus
from kargah.notifications.models import InboxItem, OutboxMessage
from kargah.teaching.models import Attendance

pytestmark = pytest.mark.django_db


def test_a_place_at_the_threshold_gets_one_certificate_with_what_it_says(
    world: World, now: dt.datetime
) -> None:
    certificate = services.certificate_issue(enrollment=world.place, now=now)

    assert certificate is not None
    assert certificate.learner_name == f"{CHILD[0]} {CHILD[1]}"
    assert certificate.course_title == COURSE
    assert certificate.center_name == world.offering.center.name
    # Four held sessions of 90 minutes (the cancelled one is owed, not counted): 6 hours.
    assert (certificate.sessions_held, certificate.sessions_attended) == (4, 3)
    assert certificate.attendance_percent == 75 and certificate.hours == Decimal("6.0")
    assert certificate.issued_at == now
    assert len(certificate.code) == CODE_LENGTH and set(certificate.code) <= set(CODE_ALPHABET)
    entry = AuditLogEntry.objects.get(action="certificate.issued")
    assert entry.object_id == str(certificate.pk) and (entry.after or {})["threshold"] == 75
    # The family that holds the place is told, once.
    assert OutboxMessage.objects.filter(user=world.guardian).count() == 1
    assert InboxItem.objects.filter(user=world.guardian, kind="certificate_issued").count() == 1


def test_issuing_again_returns_the_same_certificate_and_writes_nothing(
    world: World, now: dt.datetime
) -> None:
    first = services.certificate_issue(enrollment=world.place, now=now)
    again = services.certificate_issue(enrollment=world.place, now=now + dt.timedelta(days=1))

    assert again == first and Certificate.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="certificate.issued").count() == 1
    assert OutboxMessage.objects.count() == 1


def test_below_the_threshold_no_certificate_and_nothing_written(
    world: World, now: dt.datetime
) -> None:
    # Bahar: present twice, an excused absence and an absence: 2 of 4 is 50 % < 75 %.
    assert services.certificate_issue(enrollment=world.other_place, now=now) is None

    assert not Certificate.objects.exists()
    assert not AuditLogEntry.objects.filter(action="certificate.issued").exists()
    assert not OutboxMessage.objects.exists()


def test_the_threshold_is_the_courses_own(world: World, now: dt.datetime) -> None:
    course = world.offering.course
    course.certificate_attendance_percent = 50
    course.save()
    assert services.certificate_issue(enrollment=world.other_place, now=now) is not None
    course.certificate_attendance_percent = 100
    course.save()
    assert services.certificate_issue(enrollment=world.place, now=now) is None


def test_one_session_short_of_the_threshold_is_short(world: World, now: dt.datetime) -> None:
    # 3 of 4 is exactly 75 %; with 76 % asked it is not enough (no rounding in the child's favour).
    world.offering.course.certificate_attendance_percent = 76
    world.offering.course.save()
    assert services.certificate_issue(enrollment=world.place, now=now) is None


def test_a_place_not_completed_gets_none(world: World, now: dt.datetime) -> None:
    world.place.status = EnrollmentStatus.DROPPED
    world.place.save()
    assert services.certificate_issue(enrollment=world.place, now=now) is None
    assert not Certificate.objects.exists()


def test_a_missing_attendance_row_counts_as_absent_until_it_arrives(
    world: World, now: dt.datetime
) -> None:
    # The last session's attendance is not in yet (the fill job runs after the class ends).
    Attendance.objects.filter(session=world.sessions[3], learner=world.child).delete()
    assert services.certificate_issue(enrollment=world.place, now=now) is None

    mark(world.sessions[3], world.child, "present")
    report = services.certificates_issue_due(now=now + dt.timedelta(minutes=15))

    assert len(report.issued) == 1 and report.not_eligible == [world.other_place.pk]
    assert Certificate.objects.get().enrollment == world.place


def test_the_job_looks_back_only_so_far_and_the_command_takes_every_completed_place(
    world: World, now: dt.datetime
) -> None:
    later = now + dt.timedelta(days=15)
    assert services.certificates_issue_due(now=later).issued == []
    assert not Certificate.objects.exists()

    call_command("certificates_issue", "--all")

    assert Certificate.objects.get().enrollment == world.place
    call_command("certificates_issue", "--all")  # again: nothing more
    assert Certificate.objects.count() == 1


def test_the_class_finishing_issues_its_certificates(
    world: World, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    # The lifecycle job finishes a running class whose sessions are all held or made up.
    world.offering.status = OfferingStatus.RUNNING
    world.offering.save()
    world.cancelled.status = SessionStatus.CANCELLED
    world.cancelled.save()
    world.sessions[-1].makeup_for = world.cancelled
    world.sessions[-1].save()
    for place in (world.place, world.other_place):
        place.status, place.ended_at = EnrollmentStatus.CONFIRMED, None
        place.save()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        report = lifecycle_advance(now=world.sessions[-1].ends_at + dt.timedelta(hours=1))

    assert report.finished == [world.offering.pk] and report.completed_enrollments == 2
    assert [c.enrollment_id for c in Certificate.objects.all()] == [world.place.pk]


def test_staff_of_the_center_revoke_with_a_reason(world: World, now: dt.datetime) -> None:
    certificate = services.certificate_issue(enrollment=world.place, now=now)
    assert certificate is not None

    revoked = services.certificate_revoke(
        actor=world.staff, certificate=certificate, reason="  حضور ثبت‌شده اشتباه بود.  "
    )

    assert revoked.is_revoked and revoked.revoked_by == world.staff
    assert revoked.revoke_reason == "حضور ثبت‌شده اشتباه بود."
    entry = AuditLogEntry.objects.get(action="certificate.revoked")
    assert entry.actor == world.staff and entry.reason == revoked.revoke_reason
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=world.staff, certificate=certificate, reason="دوباره")
    assert AuditLogEntry.objects.filter(action="certificate.revoked").count() == 1


@pytest.mark.parametrize("who", ["other_center", "instructor", "guardian"])
def test_nobody_else_revokes(world: World, now: dt.datetime, who: str) -> None:
    certificate = services.certificate_issue(enrollment=world.place, now=now)
    assert certificate is not None
    actor = {
        "other_center": StaffFactory.create(),
        "instructor": world.instructor,
        "guardian": world.guardian,
    }[who]
    with pytest.raises(NotAllowed):
        services.certificate_revoke(actor=actor, certificate=certificate, reason="بی‌دلیل")
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    assert not AuditLogEntry.objects.filter(action="certificate.revoked").exists()


def test_a_revocation_without_a_reason_is_refused(world: World, now: dt.datetime) -> None:
    certificate = services.certificate_issue(enrollment=world.place, now=now)
    assert certificate is not None
    with pytest.raises(DomainError) as refused:
        services.certificate_revoke(actor=world.staff, certificate=certificate, reason="   ")
    assert refused.value.code == "reason"
    certificate.refresh_from_db()
    assert not certificate.is_revoked


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde fghjk", "ABCDEFGHJK"),
        ("۲۳۴۵۶-۷۸۹ab", "23456789AB"),
        ("٢٣٤٥٦٧٨٩AB", "23456789AB"),
        ("ABCDE-FGHJ", None),  # too short
        ("ABCDE-FGHJO", None),  # O is never in a code (read as 0)
        ("ABCDE-FGH1K", None),
        ("کدکدکدکدکد", None),
    ],
)
def test_a_code_is_read_as_a_person_types_it(typed: str, code: str | None) -> None:
    assert selectors.normalize_code(typed) == code


def test_an_administrator_revokes_any_centers_certificate(world: World, now: dt.datetime) -> None:
    certificate = services.certificate_issue(enrollment=world.place, now=now)
    assert certificate is not None
    admin = StaffFactory.create(role="administrator", center=None)
    revoked = services.certificate_revoke(actor=admin, certificate=certificate, reason="تکراری")
    assert revoked.is_revoked and revoked.revoked_by == admin
