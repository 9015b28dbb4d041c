"""`manage.py import_counts FILE --source NAME [options]`: import counts, at any period.

Two formats:
- `--format long` (default): one line per counter and period, `counter,datetime,count` — or
  `date` (days) or `month` (months) in place of `datetime` — every name being an option;
- `--format paris`: the City of Paris's official hourly export as it comes, which creates its
  counters;
- `--format fiware`: a JSON file of FIWARE `TrafficFlowObserved` observations (JSON Lines or
  not), read into the long format first (`usage.importing.fiware`), which creates its counters.
Shows a progress bar (lines/s), prints the rejected lines (number and reason) and a summary,
and writes the rejected lines beside the input (`NAME.rejets.csv`) or to `--rejects`.
The import is one transaction: if anything unexpected fails, nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from usage import services
from usage.importing import PARIS_HOURLY_FORMAT, ImportFileError, ReadingsFormat
from usage.importing.fiware import fiware_read
from usage.management.reporting import report_print
from usage.models import ImportRun, Length

PERIODS = {"hour": Length.HOUR, "day": Length.DAY, "month": Length.MONTH}
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


def _separator(text: str) -> str:
    value = SEPARATORS.get(text, text.replace("\\t", "\t"))
    if len(value) != 1:
        raise argparse.ArgumentTypeError(
            _("“%s” is not a separator (one character, or comma, semicolon, tab, pipe).") % text
        )
    return value


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", help=_("CSV file"))
    parser.add_argument(
        "--source", required=True, help=_("data provider; counters are known by it")
    )
    parser.add_argument(
        "--separator", type=_separator, help=_("column separator (default: guessed)")
    )
    parser.add_argument("--attribution", default="", help=_("licence and credit to keep"))
    parser.add_argument(
        "--rejects", help=_("where to write the rejected lines (default: beside the file)")
    )


def rejects_path(path: Path, option: str | None) -> Path:
    return Path(option) if option else path.with_name(f"{path.stem}.rejets.csv")


@contextlib.contextmanager
def open_input(path: Path) -> Iterator[IO[bytes]]:
    try:
        file = path.open("rb")
    except OSError as error:
        raise CommandError(
            _("Cannot read “%(path)s”: %(error)s.") % {"path": path, "error": error.strerror}
        ) from None
    with file:
        yield file


def _lines(file: IO[bytes]) -> int:
    """Data lines in the file (for the progress bar's total): a fast count of newlines."""
    count = 0
    while block := file.read(1 << 20):
        count += block.count(b"\n")
    file.seek(0)
    return max(count - 1, 0)


class Command(BaseCommand):
    help = "Import counts (hourly, daily or monthly) from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        add_common_arguments(parser)
        parser.add_argument(
            "--format",
            choices=["long", "paris", "fiware"],
            default="long",
            help=_(
                "long: counter, datetime|date|month, count; paris: the official hourly export; "
                "fiware: JSON TrafficFlowObserved observations"
            ),
        )
        parser.add_argument("--counter-column", default="counter", help=_("counter column"))
        parser.add_argument(
            "--time-column", help=_("period column (default: datetime, date or month)")
        )
        parser.add_argument("--count-column", default="count", help=_("count column"))
        parser.add_argument(
            "--period", choices=list(PERIODS), help=_("what the period column holds")
        )
        parser.add_argument(
            "--date-format", help=_("strptime format of the periods (default: ISO 8601)")
        )
        parser.add_argument(
            "--time-zone",
            default="Europe/Paris",
            help=_("of the times without a UTC offset (default: Europe/Paris)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["format"] == "paris":
            fmt, kind = PARIS_HOURLY_FORMAT, ImportRun.Kind.PARIS_HOURLY
        else:
            kind = ImportRun.Kind.READINGS
            fmt = ReadingsFormat(
                counter_column=options["counter_column"],
                time_column=options["time_column"],
                count_column=options["count_column"],
                period=PERIODS[options["period"]] if options["period"] else None,
                delimiter=options["separator"],
                date_format=options["date_format"],
                time_zone=options["time_zone"],
            )
        with open_input(path) as file:
            if options["format"] == "fiware":
                try:
                    read = fiware_read(file, time_zone=options["time_zone"])
                except ImportFileError as error:
                    raise CommandError(str(error)) from None
                file, fmt, kind = read.file, read.fmt, ImportRun.Kind.FIWARE
                self.stdout.write(
                    _(
                        "%(observations)s observations read: %(duplicates)s repeated ones "
                        "dropped, %(summed)s shorter than an hour summed into their hour."
                    )
                    % {
                        "observations": read.observations,
                        "duplicates": read.duplicates,
                        "summed": read.summed,
                    }
                )
            bar = tqdm(
                total=_lines(file),
                desc=path.name,
                unit=" " + _("lines"),
                unit_scale=True,
                disable=options["verbosity"] < 1,
                file=cast(IO[str], self.stderr._out),
            )

            def bar_advance(lines: int) -> None:
                bar.update(lines)

            try:
                with bar:
                    report = services.readings_import(
                        file=file,
                        fmt=fmt,
                        source=options["source"],
                        kind=kind,
                        attribution=options["attribution"],
                        file_name=path.name,
                        progress=bar_advance,
                        rejects_to=rejects_path(path, options["rejects"]),
                    )
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        report_print(report, stdout=self.stdout, style=self.style, verbosity=options["verbosity"])
