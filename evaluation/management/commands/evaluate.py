"""`manage.py evaluate [--amenagement SLUG | --all [--not-evaluated]] [--as-of DATE]`: run the
evaluation engine. `--not-evaluated` skips the arrangements that already have a run (what
`make run` uses, so restarting the demo does not pile up runs).

Each arrangement is evaluated in its own transaction by `evaluation.services.evaluation_run`
(a failure on one is reported and the others go on); a progress bar shows the way and a
summary closes: runs made, failures, proposals opened by action, usage effects estimated.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from amenagements.models import Amenagement
from evaluation.services import evaluation_run


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Invalid date “%(value)s”: use YYYY-MM-DD.") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = "Evaluate arrangements: usage effects, indicators against targets, proposals."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--amenagement", metavar="SLUG", help="the arrangement's slug")
        which.add_argument("--all", action="store_true", help="every arrangement")
        parser.add_argument(
            "--as-of", type=_date, default=None, help="data up to this day (default: today)"
        )
        parser.add_argument(
            "--not-evaluated",
            action="store_true",
            help="with --all: only the arrangements that have never been evaluated",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        if options["not_evaluated"] and not options["all"]:
            raise CommandError(_("--not-evaluated goes with --all."))
        if options["all"]:
            queryset = Amenagement.objects.order_by("slug")
            if options["not_evaluated"]:
                queryset = queryset.filter(evaluation_runs__isnull=True)
            amenagements = list(queryset)
        else:
            slug = options["amenagement"]
            amenagements = list(Amenagement.objects.filter(slug=slug))
            if not amenagements:
                raise CommandError(_("No arrangement with the slug “%(slug)s”.") % {"slug": slug})
        actions: Counter[str] = Counter()
        runs = effects = estimated = 0
        failures: list[str] = []
        bar = tqdm(amenagements, unit="aménagement", disable=options["verbosity"] == 0)
        for amenagement in bar:
            bar.set_postfix_str(amenagement.slug[:30])
            try:
                run = evaluation_run(amenagement=amenagement, as_of=as_of)
            except ValueError as error:
                failures.append(f"{amenagement.slug}: {error}")
                continue
            runs += 1
            actions.update(run.proposals.values_list("action", flat=True))
            for percent in run.usage_effects.values_list("percent_change", flat=True):
                effects += 1
                estimated += percent is not None
        self.stdout.write(
            _(
                "%(runs)s evaluations as of %(date)s, %(failures)s failures; %(effects)s "
                "adaptation effects, %(estimated)s of them estimated."
            )
            % {
                "runs": runs,
                "date": as_of.isoformat(),
                "failures": len(failures),
                "effects": effects,
                "estimated": estimated,
            }
        )
        for action, n in sorted(actions.items()):
            self.stdout.write(f"  {action}: {n}")
        for failure in failures:
            self.stderr.write(failure)
