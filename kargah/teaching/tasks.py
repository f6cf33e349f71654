"""Celery tasks of teaching; thin wrappers around the services, run by beat."""

from celery import shared_task

from kargah.teaching import services


@shared_task(name="kargah.teaching.tasks.attendance_fill_due")
def attendance_fill_due() -> int:
    return services.attendance_fill_due()
