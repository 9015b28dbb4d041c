"""`manage.py import_counters FILE --source NAME [options]`: import a counters file.

One line per counter: identifier, name, longitude, latitude (column names are options), other
columns kept as the counter's properties. Counters already known in the source are updated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from usage import services
from usage.importing import CountersFormat, ImportFileError
from usage.management.commands.import_counts import (
    add_common_arguments,
    open_input,
    rejects_path,
)
from usage.management.reporting import report_print


class Command(BaseCommand):
    help = "Import bike counters from a CSV file (id, name, lon, lat)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--id-column", default="id", help=_("identifier column"))
        parser.add_argument("--name-column", default="name", help=_("name column"))
        parser.add_argument("--lon-column", default="lon", help=_("longitude column"))
        parser.add_argument("--lat-column", default="lat", help=_("latitude column"))
        parser.add_argument("--installed-column", help=_("installation date column"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = CountersFormat(
            id_column=options["id_column"],
            name_column=options["name_column"],
            lon_column=options["lon_column"],
            lat_column=options["lat_column"],
            installed_column=options["installed_column"],
            delimiter=options["separator"],
        )
        with open_input(path) as file:
            try:
                report = services.counters_import(
                    file=file,
                    fmt=fmt,
                    source=options["source"],
                    attribution=options["attribution"],
                    file_name=path.name,
                    rejects_to=rejects_path(path, options["rejects"]),
                )
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        report_print(report, stdout=self.stdout, style=self.style, verbosity=options["verbosity"])
