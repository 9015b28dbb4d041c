"""`manage.py refresh_usage [--rollups]`: recompute what imports keep up to date, for all counters.

Relinks every counter to the arrangements within `TACTIQUE_COUNTER_LINK_DISTANCE_M` (links set
by hand are kept) and re-detects every outage; with `--rollups`, first rebuilds the daily and
monthly totals from the readings (after changing `TIME_ZONE`, say: this reads every reading).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from usage import services
from usage.importing.loading import import_lock
from usage.importing.rollups import rollups_rebuild
from usage.models import Counter


class Command(BaseCommand):
    help = "Relink counters to arrangements and re-detect outages (and rebuild rollups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rollups", action="store_true", help=_("rebuild the daily and monthly totals too")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            import_lock()
            ids = list(Counter.objects.values_list("pk", flat=True))
            if options["rollups"]:
                rollups_rebuild(counter_ids=ids, time_zone=settings.TIME_ZONE)
            services.counter_links_refresh()
            outages = services.outages_detect(counter_ids=ids)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(counters)s counters relinked; %(outages)s outages.")
                % {"counters": len(ids), "outages": outages}
            )
        )
