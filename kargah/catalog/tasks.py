"""Celery tasks of the catalog; thin wrappers around the services, run by beat."""

from celery import shared_task

from kargah.catalog import services_lifecycle


@shared_task(name="kargah.catalog.tasks.lifecycle_advance")
def lifecycle_advance() -> dict[str, object]:
    report = services_lifecycle.lifecycle_advance()
    return {
        "outage_cancelled": report.outage_cancelled,
        "absent_cancelled": report.absent_cancelled,
        "held": report.held,
        "running": report.running,
        "finished": report.finished,
        "completed_enrollments": report.completed_enrollments,
        "failed": report.failed,
    }
