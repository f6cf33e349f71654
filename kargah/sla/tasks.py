"""Background jobs of the SLA part: measuring the service levels (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from kargah.sla.evaluation import sla_evaluate


@shared_task(name="kargah.sla.tasks.sla_evaluate")
def sla_evaluate_task() -> int:
    return sla_evaluate()
