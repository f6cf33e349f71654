"""`manage.py certificates_issue`: issues the certificates of completed places that earned
one (the periodic job's work; `--all` for every completed place ever). Safe to run again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kargah.certificates.services import certificates_issue_due


class Command(BaseCommand):
    help = "Issue the certificates of completion due (--all: every completed place ever)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="every completed place without a certificate, not only the recent ones",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = certificates_issue_due(every_completed=options["all"])
        self.stdout.write(
            f"Certificates issued: {len(report.issued)}; places below the attendance "
            f"threshold: {len(report.not_eligible)}; failed: {len(report.failed)}."
        )
        if report.failed:
            raise SystemExit(1)
