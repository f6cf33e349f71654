"""Reads of the quality desk, across every center: offerings and their enrolments,
attendance by offering, service events, refunds. Counts come from the rows, never a copy."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kargah.catalog.models import CancelCause, Offering, OfferingStatus
from kargah.enrollment.models import EnrollmentStatus
from kargah.sla.models import ServiceEvent
from kargah.teaching.models import AttendanceStatus
from kargah.wallet.models import RefundRequest

# A desk page lists the newest rows; the exports and reports (item 7) cover the rest.
DESK_ROWS = 300
_HOLDING = [EnrollmentStatus.CONFIRMED, EnrollmentStatus.COMPLETED]


def quality_offerings() -> QuerySet[Offering]:
    """Published offerings and beyond, newest first, each with `enrolled` (places confirmed
    or completed) and `cancelled_places`."""
    return (
        Offering.objects.exclude(status=OfferingStatus.DRAFT)
        .select_related("course", "center", "term")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status__in=_HOLDING)),
            cancelled_places=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.CANCELLED)
            ),
        )
        .order_by("-published_at", "-id")[:DESK_ROWS]
    )


def quality_attendance() -> QuerySet[Offering]:
    """Offerings with recorded attendance, each with the counts of its rows by status."""
    by_status = {
        status.value: Count(
            "sessions__attendance", filter=Q(sessions__attendance__status=status.value)
        )
        for status in AttendanceStatus
    }
    return (
        Offering.objects.filter(sessions__attendance__isnull=False)
        .select_related("course", "center")
        .annotate(**by_status, rows=Count("sessions__attendance"))
        .order_by("-published_at", "-id")[:DESK_ROWS]
    )


def quality_service_events() -> list[ServiceEvent]:
    """Cancellations and make-ups, newest first, each with `cause_label` in words."""
    causes = dict(CancelCause.choices)
    events = list(
        ServiceEvent.objects.select_related(
            "offering__course", "offering__center", "session"
        ).order_by("-at", "-id")[:DESK_ROWS]
    )
    for event in events:
        event.cause_label = str(causes.get(event.cause, event.cause))  # type: ignore[attr-defined]
    return events


def quality_refunds() -> QuerySet[RefundRequest]:
    return RefundRequest.objects.select_related("family__guardian").order_by(
        "-requested_at", "-id"
    )[:DESK_ROWS]
