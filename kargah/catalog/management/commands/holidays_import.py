"""`manage.py holidays_import FILE`: imports a newly published official holiday list."""

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kargah.catalog import importing


class Command(BaseCommand):
    help = (
        "Import an official holiday list (XLSX or UTF-8 CSV with the columns jalali_date and "
        "name, optionally source): all or nothing. New holidays are added, estimates of the "
        "same holiday replaced, and every published session they hit moves to its offering's "
        "next free slot with an audit row and an SMS to each enrolled family."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open("rb") as handle:
            result = importing.import_official_holidays(
                actor=None, upload=File(handle, name=path.name), file_name=path.name
            )
        if not result.ok:
            for error in result.errors:
                where = f"row {error.row}" if error.row else "file"
                column = f", {error.column}" if error.column else ""
                self.stderr.write(f"{where}{column}: {error.message}")
            raise CommandError("Nothing was imported.")
        self.stdout.write(
            f"{result.rows} rows: {result.added} holidays added, {result.replaced} estimates "
            f"replaced, {result.moved} sessions moved."
        )
