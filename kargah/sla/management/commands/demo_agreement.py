"""`manage.py demo_agreement`: the seed's agreement and its current renewal, with their service levels (after demo_seed; safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.sla.demo import seed_sla_demo


class Command(BaseCommand):
    help = "Load the demo's agreements: the seed's (expired) and a current renewal, with levels."

    def handle(self, *args: Any, **options: Any) -> None:
        agreement = seed_sla_demo()
        self.stdout.write(
            "Agreement: {versions} versions, {levels} service levels.".format(**agreement)
        )
