"""`manage.py holidays_official_build`: derives the shipped official holidays from the month starts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kargah.catalog import official_calendar


class Command(BaseCommand):
    help = (
        "Write kargah/catalog/data/official_holidays.csv from the Calendar Center's lunar month "
        "starts (calendar_center_month_starts.txt); with --check, only fail if it is out of date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Change nothing; fail if stale.")

    def handle(self, *args: Any, **options: Any) -> None:
        content = official_calendar.build_from_month_starts()
        path = official_calendar.HOLIDAYS_FILE
        current = path.read_text("utf-8") if path.exists() else ""
        if options["check"]:
            if content != current:
                raise CommandError(f"{path.name} is out of date: run holidays_official_build")
            self.stdout.write(f"{path.name} is up to date.")
            return
        path.write_text(content, "utf-8")
        official_calendar.shipped_holidays.cache_clear()
        years = sorted(official_calendar.published_years())
        self.stdout.write(
            f"{path.name}: {len(official_calendar.shipped_holidays())} holidays of "
            f"{', '.join(str(y) for y in years)}."
        )
