"""Celery tasks of the notifications app; thin wrappers around the services."""

from celery import shared_task

from kargah.notifications import services


@shared_task(name="kargah.notifications.tasks.outbox_send")
def outbox_send(message_id: int) -> None:
    services.outbox_send(message_id=message_id)


@shared_task(name="kargah.notifications.tasks.outbox_flush")
def outbox_flush(limit: int | None = None, batch_size: int | None = None) -> int:
    return services.outbox_flush(limit=limit, batch_size=batch_size)


@shared_task(name="kargah.notifications.tasks.outbox_check_delivery")
def outbox_check_delivery() -> int:
    return services.outbox_check_delivery()
