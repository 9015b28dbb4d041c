"""`manage.py import_amenagements FILE --source NAME [options]`: import a GeoJSON snapshot.

Prints one line per rejected or repaired feature (its 0-based number and the reason), then a
summary. A file in the national *schéma des aménagements cyclables* is recognised and read as
such when no property option is given (`amenagements.importing.cyclables`). The import is one
transaction: if anything unexpected fails, nothing is written.
See `amenagements.importing` for the rules.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from amenagements.importing import (
    KIND_MAP,
    STATUS_MAP,
    ImportResult,
    ParseResult,
    SnapshotFileError,
    SnapshotMapping,
    amenagements_import_snapshot,
    dates_parse,
    snapshot_parse,
    value_map_parse,
)
from amenagements.importing.cyclables import cyclables_mapping, is_cyclables
from amenagements.models import Adaptation, Amenagement, Commune

ERROR_FILE_UNREADABLE = gettext_lazy("Cannot read “%(path)s”: %(error)s.")
NOTE_CYCLABLES = gettext_lazy(
    "File in the national schema of cycling facilities (schéma des aménagements cyclables): "
    "read as such."
)
# The options that say how to read the properties: given any, the file is read as they say.
MAPPING_OPTIONS = (
    "name_template",
    "kind_field",
    "status_field",
    "opened_field",
    "first_seen_field",
    "last_seen_field",
    "commune_field",
)

CHANGE_LABELS = {
    "kind": gettext_lazy("kind of arrangement"),
    "name": gettext_lazy("name"),
    "identifier": gettext_lazy("identifier changed, same place"),
    "details": gettext_lazy("details (opening date, properties…)"),
}


def change_label(change: str) -> str:
    if change in CHANGE_LABELS:
        return str(CHANGE_LABELS[change])
    return str(Adaptation.Kind(change).label).lower()


def _change_order(change: str) -> int:
    """Adaptation kinds in their own order, then the changes recorded without an event."""
    kinds = [*Adaptation.Kind.values, *CHANGE_LABELS]
    return kinds.index(change) if change in kinds else len(kinds)


def report_lines(parsed: ParseResult, result: ImportResult) -> list[tuple[str, str]]:
    """The summary as (style, text) pairs; style is one of "success", "warning", "error"."""
    changes = ", ".join(
        f"{change_label(change)}: {result.changes[change]}"
        for change in sorted(result.changes, key=_change_order)
    )
    rejected = len(parsed.rejected) + len(result.rejected)
    # Features, not report lines: one feature may have had several things repaired.
    repaired = len({issue.index for issue in parsed.repaired if issue.index is not None})
    lines = [
        (
            "success",
            ngettext(
                "Snapshot of %(date)s, source “%(source)s”: %(count)s feature read.",
                "Snapshot of %(date)s, source “%(source)s”: %(count)s features read.",
                parsed.feature_count,
            )
            % {
                "date": result.as_of.isoformat(),
                "source": result.source,
                "count": parsed.feature_count,
            },
        ),
        ("success", _("created: %(n)s") % {"n": result.created}),
        (
            "success",
            _("updated: %(n)s (%(changes)s)") % {"n": result.updated, "changes": changes}
            if changes
            else _("updated: %(n)s") % {"n": result.updated},
        ),
        ("success", _("unchanged: %(n)s") % {"n": result.unchanged}),
        *(
            [
                (
                    "success",
                    _("features joined another line's feature as one shared stretch: %(n)s")
                    % {"n": result.merged},
                )
            ]
            if result.merged
            else []
        ),
        *(
            [("success", _("held by an earlier file: %(n)s") % {"n": len(result.shared)})]
            if result.shared
            else []
        ),
        ("success", _("removed (absent from the snapshot): %(n)s") % {"n": result.removed}),
        ("error" if rejected else "success", _("rejected: %(n)s") % {"n": rejected}),
        ("warning" if repaired else "success", _("repaired: %(n)s") % {"n": repaired}),
    ]
    if result.dry_run:
        lines.append(("warning", _("Dry run: nothing was written.")))
    return lines


class Command(BaseCommand):
    # A plain string, as in Django's own commands: argparse needs `str`, not a lazy one.
    help = (
        "Import arrangements from a GeoJSON snapshot of a network. A later snapshot of the same "
        "source records what changed as dated adaptations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("GeoJSON file (RFC 7946 or declared CRS)"))
        parser.add_argument(
            "--source",
            required=True,
            help=_("name of the network, to recognise its later snapshots"),
        )
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help=_("date of the snapshot, YYYY-MM-DD (default: today)"),
        )
        parser.add_argument(
            "--srid", type=int, help=_("SRID of the coordinates, overriding the file")
        )
        parser.add_argument(
            "--id-field",
            default="id",
            help=_("identifier property; several, comma-separated, form one key"),
        )
        parser.add_argument("--name-field", default="name", help=_("name property"))
        parser.add_argument(
            "--name-template",
            help=_("name built from properties, e.g. “Line {line} — {name}”"),
        )
        parser.add_argument("--kind-field", help=_("kind property"))
        parser.add_argument("--status-field", help=_("status property"))
        parser.add_argument(
            "--kind",
            choices=Amenagement.Kind.values,
            help=_("the kind of every feature of the file, whatever its properties say"),
        )
        parser.add_argument(
            "--status",
            choices=Amenagement.Status.values,
            help=_("the status of every feature of the file (e.g. removed), whatever it says"),
        )
        parser.add_argument("--opened-field", help=_("opening date property"))
        parser.add_argument(
            "--first-seen-field", help=_("property of the date the source first saw a feature")
        )
        parser.add_argument(
            "--last-seen-field",
            help=_(
                "property of the date the source last saw a feature: one last seen before the "
                "file's latest such date is imported as removed that day"
            ),
        )
        parser.add_argument("--commune-field", help=_("commune property"))
        parser.add_argument(
            "--commune", default="", help=_("commune when there is no commune property")
        )
        parser.add_argument(
            "--kind-map",
            default="",
            help=_("source=ours,… added to the built-in kind map"),
        )
        parser.add_argument(
            "--status-map",
            default="",
            help=_("source=ours,… added to the built-in status map"),
        )
        parser.add_argument(
            "--ignore-date",
            action="append",
            default=[],
            help=_("placeholder opening date to treat as unknown (repeatable)"),
        )
        parser.add_argument("--attribution", default="", help=_("licence and attribution to keep"))
        parser.add_argument(
            "--partial",
            action="store_true",
            help=_("the file is not the whole network: do not remove absent ones"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("report without writing"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                ERROR_FILE_UNREADABLE % {"path": path, "error": exc.strerror}
            ) from None
        national = (
            options["id_field"] == "id"
            and not any(options[name] for name in MAPPING_OPTIONS)
            and is_cyclables(data)
        )
        try:
            mapping = (
                cyclables_mapping(
                    communes=dict(
                        Commune.objects.exclude(insee_code="").values_list("insee_code", "name")
                    ),
                    srid=options["srid"],
                )
                if national
                else _mapping(options)
            )
            if national and (options["kind"] or options["status"]):
                # The whole file's kind or status, given on the command line, still applies.
                mapping = dataclasses.replace(
                    mapping, kind=options["kind"], status=options["status"]
                )
            if national and options["verbosity"] >= 1:
                self.stdout.write(str(NOTE_CYCLABLES))
            parsed = snapshot_parse(data=data, mapping=mapping)
            result = amenagements_import_snapshot(
                records=parsed.records,
                source=options["source"],
                as_of=options["as_of"] or timezone.localdate(),
                attribution=options["attribution"],
                partial=options["partial"],
                file_name=path.name,
                dry_run=options["dry_run"],
            )
        except SnapshotFileError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        styles = {
            "success": self.style.SUCCESS,
            "warning": self.style.WARNING,
            "error": self.style.ERROR,
        }
        if options["verbosity"] >= 1:
            for issue in sorted(
                [*parsed.rejected, *result.rejected], key=lambda i: (i.index or 0, i.code)
            ):
                self.stdout.write(self.style.ERROR(_("rejected — %s") % issue))
            for issue in parsed.repaired:
                self.stdout.write(self.style.WARNING(_("repaired — %s") % issue))
            for issue in result.shared:
                self.stdout.write(_("shared — %s") % issue)
        for style, text in report_lines(parsed, result):
            self.stdout.write(styles[style](text))


def _mapping(options: dict[str, Any]) -> SnapshotMapping:
    """How to read the properties, as the options say. Raises `SnapshotFileError`."""
    return SnapshotMapping(
        id_fields=tuple(f.strip() for f in options["id_field"].split(",") if f.strip()),
        name_field=options["name_field"] or None,
        name_template=options["name_template"],
        kind_field=options["kind_field"],
        status_field=options["status_field"],
        opened_field=options["opened_field"],
        first_seen_field=options["first_seen_field"],
        last_seen_field=options["last_seen_field"],
        commune_field=options["commune_field"],
        default_commune=options["commune"],
        kind_map={
            **KIND_MAP,
            **value_map_parse(text=options["kind_map"], choices=Amenagement.Kind.values),
        },
        status_map={
            **STATUS_MAP,
            **value_map_parse(text=options["status_map"], choices=Amenagement.Status.values),
        },
        ignore_dates=dates_parse(texts=options["ignore_date"]),
        srid=options["srid"],
        kind=options["kind"],
        status=options["status"],
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“%s” is not a date (YYYY-MM-DD).") % text) from None
