"""Imports from the upload page run in the background: queued at once, imported by a job.

Rules:
- `import_queue` first checks what can be checked at once (a text file, its columns, the
  time zone: `ImportFileError`, nothing queued), then records the run (status "queued")
  with the uploaded file and the format, and defers the job in the same transaction: the
  page answers at once, and no job exists without its run nor a run without its job.
- `import_run_queued` (the job) imports the file with the services of the command line, so the
  report is the same. It runs a run once: a job delivered twice finds it no longer queued.
- While it runs, the lines read so far are written to the run over a connection of their own,
  committed at once (at most once a second): the import's own transaction shows nothing to
  others before it ends, and the page shows progress.
- A file that cannot be imported (`ImportFileError`) marks the run failed with its message;
  any other error marks it failed with a general message and is raised again, so the job
  fails and is recorded (`common.models.JobFailure`). Either way the import's transaction
  was rolled back: nothing was written, nothing stored before is lost, and the uploaded file
  is kept with the run.
- But a lost database connection (PostgreSQL restarting, failing over) leaves the run as it
  is, running, and fails the job so that it is tried again (`usage.tasks`): the next
  attempt starts the import afresh.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from typing import IO, TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.jobs import DATABASE_ERRORS
from usage import services
from usage.importing.counters import counters_read
from usage.importing.formats import CountersFormat, ReadingsFormat
from usage.importing.messages import ImportFileError
from usage.importing.reader import ReadingsReader
from usage.models import ImportRun, Length

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_UNEXPECTED = _(
    "The import stopped on an unexpected error; nothing was written. The technical team "
    "has the details (failed background jobs, in the administration)."
)

# Files up to this size are held in memory while they are imported, larger ones on disk.
SPOOL_BYTES = 64 << 20
PROGRESS_EVERY_S = 1.0


@transaction.atomic
def import_queue(
    *,
    file: IO[bytes],
    fmt: ReadingsFormat | CountersFormat,
    kind: str,
    source: str,
    attribution: str = "",
    file_name: str = "",
    recorded_by: User | None = None,
) -> ImportRun:
    """Record the upload as a queued run and queue its import (see the module's rules).
    Raises `ImportFileError` (nothing queued) if the file cannot be read as a whole."""
    from usage.tasks import import_file  # the job calls back into this module

    if isinstance(fmt, CountersFormat):
        counters_read(file, fmt)
    else:
        ReadingsReader(file, fmt, {})  # reads the header and a sample only
    file.seek(0)
    content = file.read()
    run = ImportRun.objects.create(
        kind=kind,
        source=source.strip(),
        file_name=file_name[:255],
        file_sha256="",
        options={"format": dataclasses.asdict(fmt), "attribution": attribution},
        status=ImportRun.Status.QUEUED,
        upload=content,
        recorded_by=recorded_by,
    )
    import_file.defer(run_id=run.pk)
    return run


def _format(kind: str, fields: dict[str, Any]) -> ReadingsFormat | CountersFormat:
    if kind == ImportRun.Kind.COUNTERS:
        return CountersFormat(**fields)
    return ReadingsFormat(
        **{
            **fields,
            "period": Length(fields["period"]) if fields.get("period") else None,
            "counter_property_columns": tuple(fields.get("counter_property_columns") or ()),
        }
    )


class ProgressWriter:
    """Adds up the lines read and writes the total to the run, committed at once, over a
    connection of its own (see the module's rules)."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.lines = 0
        self.written_at = 0.0
        self.side = connection.get_new_connection(connection.get_connection_params())
        self.side.autocommit = True

    def __call__(self, lines: int) -> None:
        self.lines += lines
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY_S:
            self.written_at = now
            self.side.execute(
                # The table's name is ours; the values are parameters.
                f"UPDATE {ImportRun._meta.db_table} SET lines_read = %s WHERE id = %s",  # noqa: S608
                [self.lines, self.run_id],
            )

    def close(self) -> None:
        self.side.close()


def _fail(run_id: int, message: str) -> None:
    ImportRun.objects.filter(pk=run_id).update(
        status=ImportRun.Status.FAILED, error=message, finished_at=timezone.now()
    )


def import_run_queued(run_id: int) -> ImportRun | None:
    """The job: import the queued run's file (see the module's rules); the run, or None if
    it was not queued."""
    # Running already: an attempt interrupted by a lost connection (the worker runs a job
    # once at a time; it tries it again only after the attempt ended).
    started = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
    ).update(status=ImportRun.Status.RUNNING)
    if not started:
        return None
    run = ImportRun.objects.select_related("recorded_by").get(pk=run_id)
    fmt = _format(run.kind, run.options["format"])
    common = {
        "source": run.source,
        "attribution": run.options.get("attribution", ""),
        "file_name": run.file_name,
        "recorded_by": run.recorded_by,
        "run": run,
    }
    progress = ProgressWriter(run_id)
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as file:
            file.write(bytes(run.upload or b""))
            file.seek(0)
            if isinstance(fmt, CountersFormat):
                services.counters_import(file=file, fmt=fmt, **common)
            else:
                services.readings_import(
                    file=file, fmt=fmt, kind=run.kind, progress=progress, **common
                )
    except ImportFileError as error:
        _fail(run_id, str(error))
    except DATABASE_ERRORS:
        raise  # the database went away: tried again (see the module's rules)
    except Exception:
        _fail(run_id, str(ERROR_UNEXPECTED))
        raise
    finally:
        progress.close()
    return ImportRun.objects.get(pk=run_id)
