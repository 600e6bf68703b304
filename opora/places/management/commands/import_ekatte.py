"""Import the EKATTE register: ``manage.py import_ekatte PATH`` or ``manage.py import_ekatte --extract``.

PATH is a directory with the НСИ's Ek_obl.csv, Ek_obst.csv and Ek_atte.csv. Any problem in any row
refuses the whole import (see opora.places.ekatte); run again with the same files, it changes nothing.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opora.places.ekatte import EkatteError, import_ekatte, load_shipped_extract


class Command(BaseCommand):
    help = "Import regions, municipalities and settlements from the official EKATTE CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "path", nargs="?", type=Path, help="Directory holding Ek_obl.csv, Ek_obst.csv and Ek_atte.csv."
        )
        source.add_argument(
            "--extract", action="store_true", help="Import the small extract shipped with Opora (tests, the demo)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_shipped_extract() if options["extract"] else import_ekatte(options["path"])
        except EkatteError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(str(summary)))
