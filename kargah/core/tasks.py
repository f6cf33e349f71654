"""Celery tasks of the core app."""

from celery import shared_task

from kargah.core.idempotency import idempotency_keys_purge


@shared_task(name="kargah.core.tasks.idempotency_keys_purge")
def purge_idempotency_keys() -> int:
    # Stored answers can hold Sheba numbers and names: they are kept only as long as a
    # client could still retry.
    return idempotency_keys_purge()
