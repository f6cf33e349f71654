"""Celery tasks of certificates; thin wrappers around the services, run by beat."""

from celery import shared_task

from kargah.certificates import services


@shared_task(name="kargah.certificates.tasks.certificates_issue_due")
def certificates_issue_due() -> int:
    return len(services.certificates_issue_due().issued)
