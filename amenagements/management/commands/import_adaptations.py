"""`manage.py import_adaptations FILE [--dry-run]`: record dated adaptations from a CSV or
GeoJSON file (`amenagements.bulk`). Prints each rejected line (number and reason), then a
summary; the import is one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from amenagements.bulk.reading import BulkFileError, adaptations_read
from amenagements.bulk.services import adaptations_import


class Command(BaseCommand):
    help = "Record dated adaptations from a CSV or GeoJSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("CSV or GeoJSON file of adaptations"))
        parser.add_argument("--dry-run", action="store_true", help=_("report without writing"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            read = adaptations_read(path.read_bytes())
        except OSError as error:
            raise CommandError(
                _("Cannot read “%(path)s”: %(error)s.") % {"path": path, "error": error.strerror}
            ) from None
        except BulkFileError as error:
            raise CommandError(str(error)) from None
        result = adaptations_import(read=read, dry_run=options["dry_run"])
        for reject in result.rejects:
            self.stdout.write(
                self.style.ERROR(
                    _("line %(line)s: %(reason)s") % {"line": reject.line, "reason": reject.reason}
                )
            )
        summary = _(
            "%(read)s lines read: %(recorded)s adaptations recorded (%(arrangements)s "
            "arrangements), %(already)s already recorded, %(rejected)s rejected."
        ) % {
            "read": result.read,
            "recorded": result.recorded,
            "arrangements": result.arrangements,
            "already": result.already,
            "rejected": len(result.rejects),
        }
        self.stdout.write(self.style.SUCCESS(summary))
        if result.dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
