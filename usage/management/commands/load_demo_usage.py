"""`manage.py load_demo_usage`: load the demo's counter data, unless already there.

- Lyon: 88 bike counters and their monthly counts since 2015 (MIT, © 2024 La Ville à Vélo,
  cyclopolis project; see fixtures/lyon/LICENCE.md);
- Paris: 40 bike counters and their daily counts of 2020 (Open Database License, Ville de
  Paris; see fixtures/paris/LICENCE.md).
Each file goes through the same service as `import_counters` / `import_counts`; a file already
imported unchanged (same source, same SHA-256) is skipped, so a second run takes a moment.
Run it after `load_demo`, or before: counters and arrangements link whichever comes second.

The same imports from the command line:
    manage.py import_counters fixtures/lyon/compteurs_velo.csv --source lyon --name-column nom
    manage.py import_counts fixtures/lyon/comptages_mensuels_velo.csv --source lyon \\
        --counter-column compteur_id --time-column mois --period month --count-column comptage
    manage.py import_counters fixtures/paris/compteurs_2020.csv --source paris-2020 \\
        --id-column station_id --name-column station_name
    manage.py import_counts fixtures/paris/comptages_journaliers_2020.csv --source paris-2020 \\
        --counter-column station
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from usage import services
from usage.importing import CountersFormat, ReadingsFormat
from usage.models import ImportRun, Length

FIXTURES = settings.BASE_DIR / "fixtures"
LYON_ATTRIBUTION = "MIT, © 2024 La Ville à Vélo, cyclopolis project"
PARIS_ATTRIBUTION = "Open Database License (ODbL), Ville de Paris"
LYON_SOURCE = "lyon"
PARIS_SOURCE = "paris-2020"

# (source, attribution, counters file and format, counts file and format)
DEMO = (
    (
        LYON_SOURCE,
        LYON_ATTRIBUTION,
        FIXTURES / "lyon" / "compteurs_velo.csv",
        CountersFormat(name_column="nom"),
        FIXTURES / "lyon" / "comptages_mensuels_velo.csv",
        ReadingsFormat(
            counter_column="compteur_id",
            time_column="mois",
            period=Length.MONTH,
            count_column="comptage",
        ),
    ),
    (
        PARIS_SOURCE,
        PARIS_ATTRIBUTION,
        FIXTURES / "paris" / "compteurs_2020.csv",
        CountersFormat(id_column="station_id", name_column="station_name"),
        FIXTURES / "paris" / "comptages_journaliers_2020.csv",
        ReadingsFormat(counter_column="station"),
    ),
)


def _already_imported(path: Path, source: str) -> bool:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ImportRun.objects.filter(source=source, file_sha256=digest).exists()


class Command(BaseCommand):
    help = "Load the demo's counter data (Lyon monthly, Paris 2020 daily), unless already there."

    def handle(self, *args: Any, **options: Any) -> None:
        for source, attribution, counters_file, counters_fmt, counts_file, counts_fmt in DEMO:
            # Each file with its importer (which takes the format of its kind of file).
            steps: tuple[tuple[Path, Callable[..., Any], object], ...] = (
                (counters_file, services.counters_import, counters_fmt),
                (counts_file, services.readings_import, counts_fmt),
            )
            for path, importer, fmt in steps:
                if _already_imported(path, source):
                    self.stdout.write(
                        _("%(file)s already imported (source “%(source)s”): skipped.")
                        % {"file": path.name, "source": source}
                    )
                    continue
                with path.open("rb") as file:
                    report = importer(
                        file=file,
                        fmt=fmt,
                        source=source,
                        attribution=attribution,
                        file_name=path.name,
                    )
                run = report.run
                self.stdout.write(
                    self.style.SUCCESS(
                        _(
                            "%(file)s (source “%(source)s”): %(inserted)s inserted, "
                            "%(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected."
                        )
                        % {
                            "file": path.name,
                            "source": source,
                            "inserted": run.inserted,
                            "updated": run.updated,
                            "unchanged": run.unchanged,
                            "rejected": run.rejected,
                        }
                    )
                )
