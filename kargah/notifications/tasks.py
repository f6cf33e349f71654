"""Celery tasks of the notifications app; thin wrappers around the services."""

from celery import shared_task

from kargah.notifications import services


@shared_task(name="kargah.notifications.tasks.outbox_send")
def outbox_send(message_id: int) -> None:
    services.outbox_send(message_id=message_id)


@shared_task(name="kargah.notifications.tasks.outbox_flush")
def outbox_flush() -> int:
    return services.outbox_flush()
