"""Reads of certificates: a place's attendance as a certificate counts it, who may download
or revoke one, the staff's list of a class, and what the public verify page may show."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from kargah.accounts.models import Center, Role, User
from kargah.accounts.selectors import center_list_for_staff
from kargah.catalog.models import Offering, SessionStatus
from kargah.certificates.models import CODE_ALPHABET, CODE_LENGTH, Certificate
from kargah.core.persian import to_latin_digits
from kargah.enrollment.models import Enrollment, EnrollmentStatus
from kargah.enrollment.selectors import enrollments_for_guardian
from kargah.teaching.models import Attendance, AttendanceStatus

# A session counts as attended when the child was there, on time or late; an absence,
# excused or not, does not (the certificate attests presence).
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


# --- attendance as a certificate counts it ----------------------------------------------


@dataclass(frozen=True)
class PlaceAttendance:
    """A place's share of its class: the held sessions (make-ups included, cancelled ones
    not: those are owed, not missed) and those the child attended."""

    held: int
    attended: int
    minutes_held: int

    def earns(self, percent: int) -> bool:
        """At or above `percent` of the held sessions, counted exactly (no rounding up)."""
        return self.held > 0 and self.attended * 100 >= percent * self.held

    @property
    def percent(self) -> int:
        """The share in whole percent, rounded down: never more than was attended."""
        return self.attended * 100 // self.held if self.held else 0

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes_held) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def place_attendance(*, enrollment: Enrollment) -> PlaceAttendance:
    """A held session without the child's row counts as not attended: the attendance job
    may not have filled it yet, and a certificate is never issued on a guess (the
    certificates job looks again later)."""
    sessions = list(
        enrollment.offering.sessions.filter(status=SessionStatus.HELD).values_list(
            "pk", "starts_at", "ends_at"
        )
    )
    attended = Attendance.objects.filter(
        learner_id=enrollment.learner_id,
        session_id__in=[pk for pk, _start, _end in sessions],
        status__in=ATTENDED,
    ).count()
    minutes = sum(int((end - start).total_seconds() // 60) for _pk, start, end in sessions)
    return PlaceAttendance(held=len(sessions), attended=attended, minutes_held=minutes)


# --- codes -----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-_.\u200c\u200e\u200f\u2010-\u2015]+")


def normalize_code(text: str) -> str | None:
    """The stored form of a code as a person typed it: any digits (Persian, Arabic, Latin),
    any case, with or without the dash and spaces; None when it cannot be a code."""
    code = _SEPARATORS.sub("", to_latin_digits(text or "")).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


# --- what the public sees --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the verify page says of a code: only the name, the course and the date of a
    valid certificate; of a revoked one only that it was revoked; of an unknown one nothing."""

    found: bool
    revoked: bool = False
    learner_name: str = ""
    course_title: str = ""
    issued_at: dt.datetime | None = None


def certificate_verify(*, code: str) -> Verification:
    certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return Verification(found=False)
    if certificate.is_revoked:
        return Verification(found=True, revoked=True)
    return Verification(
        found=True,
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_at=certificate.issued_at,
    )


# --- who may see and act ---------------------------------------------------------------------


def manages_center(*, user: User | AnonymousUser, center: Center | int) -> bool:
    """The center's own staff, or an administrator: they revoke, and may print, its
    certificates."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if not (user.is_administrator or user.role == Role.CENTER_STAFF):
        return False
    center_id = center if isinstance(center, int) else center.pk
    return center_list_for_staff(user=user).filter(pk=center_id).exists()


def certificate_for_family(
    *, user: User | AnonymousUser, enrollment: Enrollment
) -> Certificate | None:
    """The certificate of a place the guardian's family sees (its own or a linked child,
    or a place it paid for), for *My classes*; None otherwise."""
    if not isinstance(user, User) or user.role != Role.GUARDIAN:
        return None
    if enrollment.status != EnrollmentStatus.COMPLETED:
        return None
    if not enrollments_for_guardian(guardian=user).filter(pk=enrollment.pk).exists():
        return None
    return Certificate.objects.filter(enrollment_id=enrollment.pk).first()


def certificate_for_download(*, user: User | AnonymousUser, certificate_id: int) -> Certificate:
    """A certificate in force that the person may download: a guardian of the child's
    family (or of the family that paid for the place), the center's staff or an
    administrator. Anything else, a revoked certificate included, is a 404."""
    certificate = (
        Certificate.objects.select_related("enrollment__offering")
        .filter(pk=certificate_id, revoked_at__isnull=True)
        .first()
    )
    if certificate is None or not isinstance(user, User):
        raise Http404
    if user.role == Role.GUARDIAN:
        if enrollments_for_guardian(guardian=user).filter(pk=certificate.enrollment_id).exists():
            return certificate
        raise Http404
    if manages_center(user=user, center=certificate.enrollment.offering.center_id):
        return certificate
    raise Http404


def certificate_for_staff(*, user: User, certificate_id: int) -> Certificate:
    certificate = (
        Certificate.objects.select_related("enrollment__offering").filter(pk=certificate_id).first()
    )
    if certificate is None or not manages_center(
        user=user, center=certificate.enrollment.offering.center_id
    ):
        raise Http404
    return certificate


@dataclass(frozen=True)
class StaffRow:
    enrollment: Enrollment
    attendance: PlaceAttendance
    certificate: Certificate | None


def offering_certificates(*, offering: Offering) -> list[StaffRow]:
    """Each completed place of the class, with its attendance and its certificate (if any)."""
    places = (
        Enrollment.objects.filter(offering=offering, status=EnrollmentStatus.COMPLETED)
        .select_related("learner", "offering__course")
        .order_by("learner__first_name", "learner__last_name", "id")
    )
    certificates = {
        c.enrollment_id: c
        for c in Certificate.objects.filter(enrollment__offering=offering).select_related(
            "revoked_by"
        )
    }
    return [
        StaffRow(
            enrollment=place,
            attendance=place_attendance(enrollment=place),
            certificate=certificates.get(place.pk),
        )
        for place in places
    ]
