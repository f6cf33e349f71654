"""Background work of the classroom: the presence poll of running rooms."""

from celery import shared_task

from kargah.classroom import services


@shared_task
def presence_poll() -> int:
    return services.presence_poll()
