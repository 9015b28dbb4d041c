"""`manage.py import_survey_opinions FILE --source NAME --scale 0-6 --column code=col
[--column …] [--description TEXT] [--commit]`: import a survey's answers from a CSV file
(`participation.surveys`). A dry run unless `--commit`, as on the staff page. Prints each
rejected line (number and reason), then a summary; the import is one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from participation.surveys.reading import (
    SurveyFileError,
    SurveySettingsError,
    parse_mapping,
    parse_scale,
    survey_read,
)
from participation.surveys.services import survey_opinions_import


class Command(BaseCommand):
    help = "Import the answers of an existing survey from a CSV file (a dry run unless --commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("CSV file of the survey's answers"))
        parser.add_argument("--source", required=True, help=_("name of the survey"))
        parser.add_argument(
            "--scale", required=True, help=_("scale of its scores, lowest-highest, e.g. 0-6")
        )
        parser.add_argument(
            "--column",
            action="append",
            required=True,
            metavar="CODE=COLUMN",
            help=_("an indicator code and the column of its scores (repeat for each)"),
        )
        parser.add_argument("--description", default="", help=_("about the survey"))
        parser.add_argument("--commit", action="store_true", help=_("record for real"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            scale = parse_scale(options["scale"])
            mapping = parse_mapping(", ".join(options["column"]))
        except SurveySettingsError as error:
            raise CommandError(str(error)) from None
        try:
            read = survey_read(path.read_bytes(), scale=scale, mapping=mapping)
            result = survey_opinions_import(
                read=read,
                source_name=options["source"],
                description=options["description"],
                scale=scale,
                mapping=mapping,
                dry_run=not options["commit"],
            )
        except OSError as error:
            raise CommandError(
                _("Cannot read “%(path)s”: %(error)s.") % {"path": path, "error": error.strerror}
            ) from None
        except SurveyFileError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for reject in result.rejects:
            self.stdout.write(
                self.style.ERROR(
                    _("line %(line)s: %(reason)s") % {"line": reject.line, "reason": reject.reason}
                )
            )
        summary = _(
            "%(read)s lines read: %(recorded)s answers recorded (%(ratings)s ratings, "
            "%(arrangements)s arrangements), %(already)s already imported, %(rejected)s "
            "rejected."
        ) % {
            "read": result.read,
            "recorded": result.recorded,
            "ratings": result.ratings,
            "arrangements": result.arrangements,
            "already": result.already,
            "rejected": len(result.rejects),
        }
        self.stdout.write(self.style.SUCCESS(summary))
        if result.ignored_columns:
            self.stdout.write(
                _("Columns left aside: %(columns)s.")
                % {"columns": ", ".join(result.ignored_columns)}
            )
        if result.dry_run:
            self.stdout.write(
                self.style.WARNING(_("Dry run: nothing was written (add --commit to record)."))
            )
