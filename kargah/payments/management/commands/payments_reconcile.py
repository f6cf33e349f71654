"""`manage.py payments_reconcile`: one reconciliation of payments and the ledger (as beat runs it)."""

from typing import Any

from django.core.management.base import BaseCommand

from kargah.payments.reconciliation import reconciliation_run


class Command(BaseCommand):
    help = (
        "Check every verified gateway payment against the ledger's gateway-clearing postings "
        "and keep the report (finance reads the latest). Exits 1 when there are mismatches."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = reconciliation_run()
        self.stdout.write(
            f"{report.payments_checked} verified payments, {report.postings_checked} postings, "
            f"{len(report.mismatches)} mismatches."
        )
        for row in report.mismatches:
            self.stdout.write(
                f"{row['kind']}: payment {row['payment']} reference {row['reference'] or '-'}"
            )
        if report.mismatches:
            raise SystemExit(1)
