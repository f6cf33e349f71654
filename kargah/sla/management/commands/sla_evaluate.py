"""`manage.py sla_evaluate`: measures every service level over each period due now, as beat does hourly (the demo runs it once after its data)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.sla.evaluation import sla_evaluate


class Command(BaseCommand):
    help = "Measure every service level over each ended period not yet measured (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        recorded = sla_evaluate()
        self.stdout.write(f"Service levels: {recorded} periods measured.")
