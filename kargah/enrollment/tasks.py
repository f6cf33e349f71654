"""Celery tasks of enrollment; thin wrappers around the services, run every minute by beat."""

from celery import shared_task

from kargah.enrollment import services_quorum, services_seats


@shared_task(name="kargah.enrollment.tasks.enrollment_holds_release")
def enrollment_holds_release() -> int:
    return services_seats.enrollment_holds_release()


@shared_task(name="kargah.enrollment.tasks.offerings_close_registration")
def offerings_close_registration() -> dict[str, object]:
    report = services_quorum.offerings_close_registration()
    return {
        "proceeded": report.proceeded,
        "cancelled": report.cancelled,
        "credited_enrollments": report.credited_enrollments,
        "credited_rials": report.credited_rials,
        "failed": report.failed,
    }
