"""`manage.py lifecycle_advance`: one run of the class lifecycle job (as beat runs it)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.catalog.services_lifecycle import lifecycle_advance


class Command(BaseCommand):
    help = (
        "Advance sessions, offerings and enrollments: cancel sessions the classroom's outage "
        "kept from being taught, or nobody taught (with a make-up proposed), mark taught sessions held, offerings running and finished, and "
        "places completed. Safe to run at any time, repeatedly or alongside beat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = lifecycle_advance()
        self.stdout.write(
            f"{len(report.outage_cancelled)} sessions cancelled (classroom outage), "
            f"{len(report.absent_cancelled)} cancelled (instructor absent), "
            f"{len(report.held)} held, {len(report.running)} offerings running, "
            f"{len(report.finished)} finished, {report.completed_enrollments} places completed."
        )
        for failure in report.failed:
            self.stderr.write(f"failed: {failure}")
