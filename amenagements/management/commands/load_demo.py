"""`manage.py load_demo`: load the demo data — the Voies Lyonnaises network, two snapshots.

The October 2024 snapshot (as of 2024-10-01), then the August 2026 one (as of 2026-08-01), so
the demo starts with a real adaptation history: trial layouts made permanent, segments
extended, moved or dropped. Idempotent: when arrangements of the source already exist, it says
so and does nothing, so that a second `make run` starts in seconds.

The same import from the command line:
    manage.py import_amenagements fixtures/lyon/voies_lyonnaises_2024-10.geojson \\
        --source voies-lyonnaises --as-of 2024-10-01 --id-field ligne,nom \\
        --name-template "Voie Lyonnaise {ligne} — {nom}" --kind-field type \\
        --status-field statut --opened-field date_realisation --ignore-date 2019-12-31 \\
        --commune "Métropole de Lyon" \\
        --attribution "MIT, © 2024 La Ville à Vélo, cyclopolis project"
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from amenagements.importing import (
    SnapshotMapping,
    amenagements_import_snapshot,
    snapshot_parse,
)
from amenagements.models import Amenagement

LYON_DIR = settings.BASE_DIR / "fixtures" / "lyon"
LYON_SOURCE = "voies-lyonnaises"
# The licence asks to keep it with the data: see fixtures/lyon/LICENCE.md.
LYON_ATTRIBUTION = "MIT, © 2024 La Ville à Vélo, cyclopolis project"
LYON_MAPPING = SnapshotMapping(
    # No property is a unique id: `id` is null for half the segments and shared by others, but
    # (line, name) is unique within each snapshot and stable from one to the next.
    id_fields=("ligne", "nom"),
    # Several lines share segment names ("Saint-Jean"): the line number tells them apart.
    name_template="Voie Lyonnaise {ligne} — {nom}",
    name_field="nom",
    kind_field="type",
    status_field="statut",
    opened_field="date_realisation",
    # The network spans the whole metropolis and the files carry no commune.
    default_commune="Métropole de Lyon",
    # The source's placeholder for "done before 2020", not a date.
    ignore_dates=frozenset({dt.date(2019, 12, 31)}),
)
LYON_SNAPSHOTS = (
    ("voies_lyonnaises_2024-10.geojson", dt.date(2024, 10, 1)),
    ("voies_lyonnaises_2026-08.geojson", dt.date(2026, 8, 1)),
)


class Command(BaseCommand):
    # A plain string, as in Django's own commands: argparse needs `str`, not a lazy one.
    help = "Load the demo data (the Voies Lyonnaises network), unless already there."

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Amenagement.objects.filter(external_source=LYON_SOURCE).count()
        if existing:
            self.stdout.write(
                _("Demo data already loaded (%(n)s Voies Lyonnaises arrangements): skipped.")
                % {"n": existing}
            )
            return
        # Both snapshots or neither: a half-loaded demo would be skipped on the next run.
        with transaction.atomic():
            for filename, as_of in LYON_SNAPSHOTS:
                parsed = snapshot_parse(
                    data=(LYON_DIR / filename).read_bytes(), mapping=LYON_MAPPING
                )
                result = amenagements_import_snapshot(
                    records=parsed.records,
                    source=LYON_SOURCE,
                    as_of=as_of,
                    attribution=LYON_ATTRIBUTION,
                )
                self.stdout.write(
                    _(
                        "Voies Lyonnaises, snapshot of %(date)s: %(created)s created, "
                        "%(updated)s updated, %(unchanged)s unchanged, %(removed)s removed, "
                        "%(rejected)s rejected; %(merged)s features of a stretch shared by "
                        "several lines joined its arrangement."
                    )
                    % {
                        "date": as_of.isoformat(),
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "removed": result.removed,
                        "rejected": len(parsed.rejected) + len(result.rejected),
                        "merged": result.merged,
                    }
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded: %(n)s arrangements (%(attribution)s).")
                % {
                    "n": Amenagement.objects.filter(external_source=LYON_SOURCE).count(),
                    "attribution": LYON_ATTRIBUTION,
                }
            )
        )
