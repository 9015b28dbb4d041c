"""Writes on usage data: imports, counter links, outages and manual counts.

Rules:
- An import is one transaction, serialised with other imports. A file that cannot be read as a
  whole (not text, a missing column, an unknown time zone) raises `ImportFileError` and writes
  nothing; otherwise every bad line is rejected with its number and reason, and every good line
  is kept. Re-importing a file changes nothing; a corrected file updates the counts it corrects.
  Each import records an `ImportRun` (what it did, and its rejected lines).
- After an import, the rollups of the days and months it changed are recomputed
  (`usage.importing.loading`), the outages of the counters it changed re-detected
  (`usage.quality`), and the counters it created linked to the arrangements.
- A counter is linked to every arrangement within `settings.TACTIQUE_COUNTER_LINK_DISTANCE_M`,
  measured in `settings.TACTIQUE_METRIC_SRID`. Links are recomputed when an arrangement is
  created or its geometry changes, and when counters are created or moved; links the services
  set by hand (`manual`, possibly `excluded`) are never touched by recomputation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement
from usage import quality
from usage.importing.counters import counters_read
from usage.importing.csvtext import CsvText, rejects_csv
from usage.importing.formats import CountersFormat, ReadingsFormat
from usage.importing.loading import import_lock, readings_load
from usage.importing.messages import ImportFileError, Reject
from usage.importing.partitions import readings_analyze
from usage.importing.reader import ReadingsReader
from usage.importing.staging import counters_create
from usage.models import Counter, CounterLink, ImportRun, ManualCount

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_SOURCE_REQUIRED = _("A source name is required (e.g. “paris”): counters are known by it.")
ERROR_FUTURE_COUNT = _("A count cannot be dated in the future.")
ERROR_SESSION_EXISTS = _("This counting session is already recorded.")

# Rejected lines kept with an import's record (the command's rejects file has them all).
REJECTS_KEPT = 10_000


@dataclass
class ImportReport:
    """What an import did: its record, every rejected line, and where they were written."""

    run: ImportRun
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None


def _digest(file: IO[bytes]) -> str:
    file.seek(0)
    sha = hashlib.sha256()
    while block := file.read(1 << 20):
        sha.update(block)
    file.seek(0)
    return sha.hexdigest()


def _clean_source(source: str) -> str:
    source = source.strip()
    if not source:
        raise ImportFileError(ERROR_SOURCE_REQUIRED)
    return source


def _record_rejects(
    *, file: IO[bytes], csv_text: CsvText, rejects: list[Reject], rejects_to: Path | None
) -> tuple[str, bool, Path | None]:
    """The capped rejects CSV kept with the run; the full one written to `rejects_to`."""
    if not rejects:
        return "", False, None
    by_line = {reject.line: reject.reason for reject in rejects}
    kept, truncated = rejects_csv(file, csv_text, by_line, limit=REJECTS_KEPT)
    if rejects_to is None:
        return kept, truncated, None
    full = kept if not truncated else rejects_csv(file, csv_text, by_line)[0]
    rejects_to.write_text(full, encoding="utf-8")
    return kept, truncated, rejects_to


ATTRIBUTION_SEPARATOR = " ; "
ATTRIBUTION_MAX = cast(int, Counter._meta.get_field("attribution").max_length)


def _attribution_add(counter_ids: Collection[int], attribution: str) -> None:
    """Each import's attribution is kept on the counters whose data it changed, beside those of
    earlier imports (a counter's months from the city's portal, its recent days from another
    provider): the page names every one. Cut at the field's length, never duplicated."""
    attribution = attribution.strip()
    if not attribution:
        return
    for counter in Counter.objects.filter(pk__in=counter_ids).only("attribution"):
        known = [a for a in counter.attribution.split(ATTRIBUTION_SEPARATOR) if a.strip()]
        if attribution not in known:
            combined = ATTRIBUTION_SEPARATOR.join([*known, attribution])[:ATTRIBUTION_MAX]
            Counter.objects.filter(pk=counter.pk).update(attribution=combined)


def _record_run(run: ImportRun | None, **fields: Any) -> ImportRun:
    """What an import did, in its queued record (now done) or in a new one."""
    if run is None:
        return ImportRun.objects.create(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run.status = ImportRun.Status.DONE
    run.finished_at = timezone.now()
    run.upload = None
    run.save()
    return run


@transaction.atomic
def readings_import(
    *,
    file: IO[bytes],
    fmt: ReadingsFormat,
    source: str,
    kind: str = ImportRun.Kind.READINGS,
    attribution: str = "",
    file_name: str = "",
    recorded_by: User | None = None,
    progress: Callable[[int], None] | None = None,
    rejects_to: Path | None = None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Import a CSV file of counts (any period: hour, day or month) from `source`.

    `file` is a seekable binary file, read a few times, never held in memory: for its digest,
    to copy it into PostgreSQL (again, split in Python, if PostgreSQL cannot read it as it is),
    and to copy out the rejected lines. Lines name their counter by its identifier in `source`;
    an unknown one is rejected unless `fmt` describes counters (the Paris export), in which case
    it is created and linked to the arrangements near it. `progress` is called with the number
    of lines read since its last call. With `rejects_to`, every rejected line is written there
    (the file's columns, then the line number and the reason), if there is any. The import is
    recorded in `run` (a queued import's record) or, without it, in a new `ImportRun`.
    Raises `ImportFileError` (nothing written) if the file cannot be read as a whole.
    """
    started = time.perf_counter()
    source = _clean_source(source)
    digest = _digest(file)
    import_lock()
    ids = dict(Counter.objects.filter(source=source).values_list("external_id", "pk"))
    reader = ReadingsReader(file, fmt, ids, days_in=settings.TIME_ZONE)
    loaded = readings_load(
        reader=reader,
        ids=ids,
        source=source,
        attribution=attribution,
        time_zone=settings.TIME_ZONE,
        progress=progress,
    )
    if loaded.counters_created:
        counter_links_refresh(counter_ids=loaded.counters_created)
    if loaded.changed_counters:
        quality.outages_redetect(counter_ids=loaded.changed_counters)
        _attribution_add(loaded.changed_counters, attribution)
    rejects = loaded.rejects
    kept, truncated, written = _record_rejects(
        file=file, csv_text=reader.csv_text, rejects=rejects, rejects_to=rejects_to
    )
    run = _record_run(
        run,
        kind=kind,
        source=source,
        file_name=file_name[:255],
        file_sha256=digest,
        options={**fmt.as_options(), "attribution": attribution},
        rows=reader.lines,
        inserted=loaded.inserted,
        updated=loaded.updated,
        unchanged=loaded.unchanged,
        rejected=len(rejects),
        counters_created=len(loaded.counters_created),
        rejects_csv=kept,
        rejects_truncated=truncated,
        duration_s=time.perf_counter() - started,
        recorded_by=recorded_by,
    )
    return ImportReport(run=run, rejects=rejects, rejects_path=written)


@transaction.atomic
def counters_import(
    *,
    file: IO[bytes],
    fmt: CountersFormat,
    source: str,
    attribution: str = "",
    file_name: str = "",
    recorded_by: User | None = None,
    rejects_to: Path | None = None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Create or update the counters of `source` from a counters file (id, name, lon, lat…).

    A counter already known is updated where the file differs (name, position, installation
    date, other columns kept as properties, attribution if given); counters absent from the
    file are left alone. New and moved counters are (re)linked to the arrangements near them.
    Recorded in `run` or a new `ImportRun`, as `readings_import`.
    Raises `ImportFileError` (nothing written) if the file cannot be read as a whole.
    """
    started = time.perf_counter()
    source = _clean_source(source)
    digest = _digest(file)
    import_lock()
    read = counters_read(file, fmt)
    existing = {c.external_id: c for c in Counter.objects.filter(source=source)}
    new, changed, moved = [], [], []
    for info in read.counters:
        counter = existing.get(info.external_id)
        if counter is None:
            new.append(info)
            continue
        location = Point(info.lon, info.lat, srid=4326)
        values = {
            "name": info.name[:200],
            "installed_on": info.installed_on or counter.installed_on,
            "source_properties": info.properties,
            "attribution": attribution or counter.attribution,
        }
        is_moved = not counter.location.equals_exact(location, tolerance=1e-9)
        if is_moved or any(getattr(counter, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(counter, key, value)
            counter.location = location
            changed.append(counter)
            if is_moved:
                moved.append(counter.pk)
    created = counters_create(infos=new, source=source, attribution=attribution)
    Counter.objects.bulk_update(
        changed, ["name", "location", "installed_on", "source_properties", "attribution"]
    )
    if created or moved:
        counter_links_refresh(counter_ids=[*created.values(), *moved])
    kept, truncated, written = _record_rejects(
        file=file, csv_text=read.csv_text, rejects=read.rejects, rejects_to=rejects_to
    )
    run = _record_run(
        run,
        kind=ImportRun.Kind.COUNTERS,
        source=source,
        file_name=file_name[:255],
        file_sha256=digest,
        options={**fmt.as_options(), "attribution": attribution},
        rows=read.lines,
        inserted=len(created),
        updated=len(changed),
        unchanged=len(read.counters) - len(created) - len(changed),
        rejected=len(read.rejects),
        counters_created=len(created),
        rejects_csv=kept,
        rejects_truncated=truncated,
        duration_s=time.perf_counter() - started,
        recorded_by=recorded_by,
    )
    return ImportReport(run=run, rejects=read.rejects, rejects_path=written)


def relink_counters(amenagement: Amenagement) -> None:
    """The layout hook (`amenagements.hooks`): link the counters near the arrangement's new
    geometry to it."""
    counter_links_refresh(amenagement=amenagement)


def counter_links_refresh(
    *, amenagement: Amenagement | None = None, counter_ids: Collection[int] | None = None
) -> None:
    """Recompute the distance links of one arrangement, or of some counters, or of all.

    Replaces the links computed before; keeps every `manual` link (a counter added by hand
    stays, an `excluded` one stays out). Called in the caller's transaction: through the
    layout hook (`relink_counters`) when an arrangement's geometry is new, and by the imports.
    """
    table = CounterLink._meta.db_table
    params: dict[str, Any]
    if amenagement is not None:
        scope, params = "a.id = %(scope)s", {"scope": amenagement.pk}
        delete = f"DELETE FROM {table} WHERE NOT manual AND amenagement_id = %(scope)s"  # noqa: S608
    elif counter_ids is not None:
        scope, params = "c.id = ANY(%(scope)s)", {"scope": list(counter_ids)}
        delete = f"DELETE FROM {table} WHERE NOT manual AND counter_id = ANY(%(scope)s)"  # noqa: S608
    else:
        scope, params = "true", {}
        delete = f"DELETE FROM {table} WHERE NOT manual"  # noqa: S608
    params |= {
        "srid": settings.TACTIQUE_METRIC_SRID,
        "distance": settings.TACTIQUE_COUNTER_LINK_DISTANCE_M,
    }
    with connection.cursor() as cursor:
        cursor.execute(delete, params)
        # The bounding-box test (in degrees, widened for the latitude) lets the spatial index
        # pick the candidates; the distance is then measured in metres in the metric CRS.
        cursor.execute(
            f"""
            INSERT INTO {table} (counter_id, amenagement_id, distance_m, manual, excluded,
                                 created_at)
            SELECT c.id, a.id, ST_Distance(ST_Transform(c.location, %(srid)s),
                                           ST_Transform(a.geom, %(srid)s)),
                   false, false, now()
            FROM {Counter._meta.db_table} c
            JOIN {Amenagement._meta.db_table} a ON a.geom && ST_Expand(
                c.location, %(distance)s / 111000.0 / cos(radians(ST_Y(c.location))) * 1.5)
            WHERE {scope}
              AND ST_DWithin(ST_Transform(c.location, %(srid)s), ST_Transform(a.geom, %(srid)s),
                             %(distance)s)
            ON CONFLICT (counter_id, amenagement_id) DO NOTHING
            """,  # noqa: S608 -- table names from the models, a fixed scope; values are parameters
            params,
        )


def readings_statistics_refresh() -> None:
    """Refresh the planner's statistics of the readings as a whole
    (`partitions.readings_analyze`)."""
    with connection.cursor() as cursor:
        readings_analyze(cursor)


@transaction.atomic
def outages_detect(*, counter_ids: Collection[int] | None = None) -> int:
    """Re-detect the outages of these counters (all if None); see `usage.quality`
    for the rule. Outages the services recorded are kept. Returns the number of outages."""
    ids = (
        list(counter_ids)
        if counter_ids is not None
        else list(Counter.objects.values_list("pk", flat=True))
    )
    return quality.outages_redetect(counter_ids=ids)


def manual_count_create(
    *,
    amenagement: Amenagement,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    subject: str,
    count: int,
    place: str = "",
    note: str = "",
    recorded_by: User | None = None,
) -> ManualCount:
    """Record a counting session on an arrangement.

    Raises `ValidationError` if the session ends before it starts, is dated in the future, has
    a negative count or an unknown subject, or is already recorded (same arrangement, day,
    times, subject and place) — also when two identical submissions race.
    """
    if date > timezone.localdate():
        raise ValidationError({"date": ERROR_FUTURE_COUNT}, code="future")
    manual_count = ManualCount(
        amenagement=amenagement,
        date=date,
        start_time=start_time,
        end_time=end_time,
        subject=subject,
        count=count,
        place=place.strip(),
        note=note.strip(),
        recorded_by=recorded_by,
    )
    manual_count.full_clean()
    try:
        with transaction.atomic():
            manual_count.save()
    except IntegrityError:
        raise ValidationError(ERROR_SESSION_EXISTS, code="duplicate") from None
    return manual_count
