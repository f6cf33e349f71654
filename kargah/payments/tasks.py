"""Celery tasks of the payments app; thin wrappers around the services."""

from celery import shared_task

from kargah.payments import reconciliation, services


@shared_task(name="kargah.payments.tasks.payments_expire")
def payments_expire() -> int:
    return services.payments_expire()


@shared_task(name="kargah.payments.tasks.reconciliation_run")
def reconciliation_run() -> int:
    return reconciliation.reconciliation_run().pk
