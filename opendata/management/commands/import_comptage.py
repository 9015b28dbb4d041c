"""`manage.py import_comptage SITE.csv CHANNEL.csv MEASURE.csv --source NAME`: import counts
published in the national *schéma comptage des mobilités* (see `opendata.comptage`).

Prints the rejected lines of each file (number and reason), then what was imported. One
transaction: if anything unexpected fails, nothing is written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from opendata.comptage import comptage_import
from usage.importing import ImportFileError


class Command(BaseCommand):
    help = "Import counts in the national schema of mobility counts (site, channel, measure)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("site", help=_("the sites file (site.csv)"))
        parser.add_argument("channel", help=_("the channels file (channel.csv)"))
        parser.add_argument("measure", help=_("the measures file (measure.csv)"))
        parser.add_argument("--source", required=True, help=_("data provider"))
        parser.add_argument("--attribution", default="", help=_("licence and credit to keep"))
        parser.add_argument(
            "--mobility-type",
            action="append",
            default=[],
            help=_("mobility type to import (repeatable; default: BIKE)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(options[name]) for name in ("site", "channel", "measure")]
        with contextlib.ExitStack() as stack:
            try:
                files = [stack.enter_context(path.open("rb")) for path in paths]
            except OSError as error:
                raise CommandError(
                    _("Cannot read “%(path)s”: %(error)s.")
                    % {"path": error.filename, "error": error.strerror}
                ) from None
            try:
                report = comptage_import(
                    sites=files[0],
                    channels=files[1],
                    measures=files[2],
                    source=options["source"],
                    attribution=options["attribution"],
                    mobility_types=options["mobility_type"] or ["BIKE"],
                )
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        for file, rejects in sorted(report.rejects.items()):
            for reject in rejects:
                self.stdout.write(
                    self.style.ERROR(
                        _("%(file)s, rejected — %(reject)s") % {"file": file, "reject": reject}
                    )
                )
        if report.counters_run:
            run = report.counters_run
            self.stdout.write(
                self.style.SUCCESS(
                    _("Counters: %(created)s created, %(updated)s updated.")
                    % {"created": run.counters_created, "updated": run.updated}
                )
            )
        for run in report.readings_runs:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Counts: %(inserted)s inserted, %(updated)s updated, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "inserted": run.inserted,
                        "updated": run.updated,
                        "unchanged": run.unchanged,
                    }
                )
            )
        if report.channels_skipped:
            self.stdout.write(
                self.style.WARNING(
                    _("%(n)s channels of other mobility types left out.")
                    % {"n": report.channels_skipped}
                )
            )
