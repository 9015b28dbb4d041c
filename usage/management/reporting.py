"""What the import commands print: the rejected lines, then a summary."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import OutputWrapper
from django.core.management.color import Style
from django.utils.translation import gettext as _

from usage.models import ImportRun
from usage.services import ImportReport

# Rejected lines printed at normal verbosity; all of them with -v 2 (and in the rejects file).
REJECTS_PRINTED = 20


def report_print(
    report: ImportReport, *, stdout: OutputWrapper, style: Style, verbosity: int
) -> None:
    run = report.run
    if verbosity >= 1:
        shown = report.rejects if verbosity >= 2 else report.rejects[:REJECTS_PRINTED]
        for reject in shown:
            stdout.write(style.ERROR(_("rejected — %s") % reject))
        if len(report.rejects) > len(shown):
            stdout.write(
                style.ERROR(
                    _("… and %(n)s more rejected lines.") % {"n": len(report.rejects) - len(shown)}
                )
            )
    ok: Callable[[str], str] = style.SUCCESS
    stdout.write(
        ok(
            _("%(file)s, source “%(source)s”: %(rows)s lines read in %(seconds).1f s.")
            % {
                "file": run.file_name,
                "source": run.source,
                "rows": run.rows,
                "seconds": run.duration_s,
            }
        )
    )
    stdout.write(ok(_("inserted: %(n)s") % {"n": run.inserted}))
    stdout.write(ok(_("updated: %(n)s") % {"n": run.updated}))
    stdout.write(ok(_("unchanged: %(n)s") % {"n": run.unchanged}))
    stdout.write((style.ERROR if run.rejected else ok)(_("rejected: %(n)s") % {"n": run.rejected}))
    if run.kind != ImportRun.Kind.COUNTERS:
        stdout.write(ok(_("counters created: %(n)s") % {"n": run.counters_created}))
    if report.rejects_path is not None:
        stdout.write(
            style.WARNING(
                _("Rejected lines written to %(path)s (correct them there and import it again).")
                % {"path": report.rejects_path}
            )
        )
