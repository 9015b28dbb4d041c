"""Step 2 of an import: make the database agree with a snapshot, through the services.

See `amenagements_import_snapshot` for the rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from amenagements.importing.geojson import SnapshotRecord
from amenagements.importing.report import Issue
from amenagements.importing.stretches import GEOMETRY_TOLERANCE, stretches_merge
from amenagements.models import Adaptation, Amenagement, Commune
from amenagements.services import (
    amenagement_adapt,
    amenagement_create,
    commune_get_or_create,
    geometry_clean,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

K = Amenagement.Kind
S = Amenagement.Status

ERROR_SOURCE_REQUIRED = _("A source name is required, to recognise the network's later snapshots.")
ERROR_AS_OF_BEFORE_LAST_EVENT = _(
    "This snapshot is dated %(as_of)s, but arrangements of the source “%(source)s” already have "
    "an event dated %(last)s. Snapshots must be imported in date order."
)
REJECT_REAPPEARED = _(
    "“%(name)s” was recorded as removed; it reappears in this snapshot and is left as is"
)
REJECT_NOT_SAVED = _("not saved: %(error)s")
REPORT_SHARED = _(
    "“%(name)s” is in an earlier file of this snapshot (%(file)s): left as that file says"
)

# --- Event descriptions ------------------------------------------------------------------------
EVENT_SNAPSHOT = _("Found in the snapshot of %(date)s")
EVENT_CREATED = _("Found in the snapshot of %(date)s.")
EVENT_GEOMETRY = _("%(snapshot)s: geometry changed, %(before)s → %(after)s.")
EVENT_KIND = _("%(snapshot)s: kind %(before)s → %(after)s (“%(value)s” in the source).")
EVENT_STATUS = _("%(snapshot)s: status %(before)s → %(after)s (“%(value)s” in the source).")
EVENT_DISAPPEARED = _("No longer in the snapshot of %(date)s.")
EVENT_LAST_SEEN = _("%(snapshot)s: last seen on %(date)s.")

# A length (or area) change beyond this share reads as extended/shortened, else moved.
SIZE_CHANGE_THRESHOLD = 0.10
# An unmatched arrangement and an unmatched record whose geometries lie within this distance of
# each other everywhere (metres, metric CRS) are one segment whose identifier changed.
RENAME_TOLERANCE_M = 1.0


@dataclass
class ImportResult:
    """What an import did.

    `changes` counts changes by type: adaptation kinds (made_permanent, moved…), "kind" (of
    arrangement), "name" and "details" (opening date, commune, attribution, properties).
    """

    source: str
    as_of: dt.date
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    rejected: list[Issue] = field(default_factory=list)
    # Segments an earlier file of the same snapshot held (`partial` imports), left as they are.
    shared: list[Issue] = field(default_factory=list)
    # Features that joined another line's feature as one shared stretch (`importing.stretches`).
    merged: int = 0
    dry_run: bool = False


@transaction.atomic
def amenagements_import_snapshot(
    *,
    records: Sequence[SnapshotRecord],
    source: str,
    as_of: dt.date,
    attribution: str = "",
    partial: bool = False,
    file_name: str = "",
    dry_run: bool = False,
    recorded_by: User | None = None,
) -> ImportResult:
    """Make the arrangements of `source` agree with a snapshot of the network dated `as_of`.

    Arrangements are matched on (`source`, record's external id) or, for a segment whose
    identifier changed but not its place, on its geometry (see `_renamed`). Rules:
    - a record not yet known is created (`amenagement_create`), its "created" event dated its
      opening date when known and not after `as_of`, else `as_of`;
    - a known one gets one adaptation per change, in this order: geometry (extended/shortened
      when the length, or area, changed by more than 10 % in the metric CRS, else moved), kind
      of arrangement ("other" adaptation), status (made permanent, removed, or status changed);
    - name, opening date, commune, attribution and source properties are updated in place,
      without an event: they describe the arrangement, not a change on the ground;
    - a known arrangement absent from the snapshot is removed, unless `partial`: the file is
      then one of several that make the network (one per line, say). A segment that an
      earlier file of the same snapshot (same `as_of`, another `file_name`) already held is left
      as that file said, and reported: files sharing segments must not record false changes
      back and forth. Import a snapshot's files in the same order each time;
    - events are dated `as_of`, or the record's opening date when it falls strictly after the
      arrangement's last event and not after `as_of` (closer to the truth);
    - features of the file that are one stretch shared by several lines (same geometry, kind,
      status, commune) become one arrangement (`importing.stretches`), found again on later
      snapshots by any of its lines' identifiers;
    - a removed arrangement that reappears is left as is and reported;
    - with last-seen dates (`SnapshotRecord.last_seen`), the latest of the file is its own date:
      a record last seen before it disappeared then. It is imported as any other (created,
      dated its opening or first-seen date, or updated), then removed, dated the day it was
      last seen (or its last event, if later): a history file records what it saw go.
    Re-importing the same snapshot changes nothing. A record the services refuse is reported
    and skipped (its writes undone); any other error undoes the whole import. With `dry_run`
    everything is computed, then rolled back.
    Raises `ValidationError` without `source`, or if `as_of` precedes the latest event recorded
    for the source's arrangements (snapshots are imported in date order).
    """
    if not source:
        raise ValidationError(ERROR_SOURCE_REQUIRED, code="source_required")
    # Event descriptions and generated names are public content: written in the site's
    # language (French), whatever language the command or request runs in.
    with translation.override(settings.LANGUAGE_CODE):
        return _import_snapshot(
            records=records,
            source=source,
            as_of=as_of,
            attribution=attribution,
            partial=partial,
            file_name=file_name[:255],
            dry_run=dry_run,
            recorded_by=recorded_by,
        )


def _import_snapshot(
    *,
    records: Sequence[SnapshotRecord],
    source: str,
    as_of: dt.date,
    attribution: str,
    partial: bool,
    file_name: str,
    dry_run: bool,
    recorded_by: User | None,
) -> ImportResult:
    with connection.cursor() as cursor:
        # Two imports of one source at once would both create the same new arrangements; a lock
        # on the source name serialises them, even before any of its rows exist.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"import:{source}"])
    last = Adaptation.objects.filter(amenagement__external_source=source).aggregate(
        last=Max("date")
    )["last"]
    if last is not None and as_of < last:
        raise ValidationError(
            ERROR_AS_OF_BEFORE_LAST_EVENT,
            code="as_of_order",
            params={"as_of": as_of.isoformat(), "source": source, "last": last.isoformat()},
        )

    result = ImportResult(source=source, as_of=as_of, dry_run=dry_run)
    records, result.merged = stretches_merge(records)
    existing: dict[str, Amenagement] = {
        a.external_id: a
        for a in Amenagement.objects.filter(external_source=source)
        .exclude(external_id="")
        .annotate(last_event=Max("adaptations__date"))
    }
    for old_id, record in _renamed(existing, records):
        amenagement = existing.pop(old_id)
        Amenagement.objects.filter(pk=amenagement.pk).update(external_id=record.external_id)
        amenagement.external_id = record.external_id
        existing[record.external_id] = amenagement
        result.changes["identifier"] += 1
    # Each line's identifier of a shared stretch leads to the stretch's own identifier.
    aliases = {alias: key for key, a in existing.items() for alias in a.shared_external_ids}
    context = _Context(
        source=source,
        as_of=as_of,
        attribution=attribution,
        recorded_by=recorded_by,
        snapshot=str(EVENT_SNAPSHOT % {"date": as_of.isoformat()}),
    )
    latest_seen = max((r.last_seen for r in records if r.last_seen is not None), default=None)
    held: list[str] = []  # the identifiers this file says what they are
    claims = _claims(records, existing, aliases)
    by_index = {record.index: record for record in records}
    for index, target in list(claims.items()):
        # A stretch kept by another of its lines now goes by that line's identifier, so that
        # the line it kept the identifier of can have its own arrangement where it went.
        record_id = by_index[index].external_id
        if record_id != target:
            amenagement = existing.pop(target)
            Amenagement.objects.filter(pk=amenagement.pk).update(external_id=record_id)
            amenagement.external_id = record_id
            existing[record_id] = amenagement
            claims[index] = record_id
    for record in records:
        claim = claims.get(record.index)
        current = existing.pop(claim) if claim is not None else None
        gone_on = (
            min(record.last_seen, as_of)
            if latest_seen is not None
            and record.last_seen is not None
            and record.last_seen < latest_seen
            else None
        )
        if (
            partial
            and current is not None
            and current.snapshot_seen_on == as_of
            and current.snapshot_seen_file != file_name
        ):
            result.shared.append(
                Issue(
                    record.index,
                    "shared",
                    str(REPORT_SHARED % {"name": current.name, "file": current.snapshot_seen_file}),
                )
            )
            continue
        held.append(current.external_id if current is not None else record.external_id)
        try:
            # A savepoint per record: a refused record leaves no half-written changes behind.
            with transaction.atomic():
                if current is None:
                    created = _create(record, context, gone_on=gone_on)
                    if gone_on is not None:
                        _remove_last_seen(created, gone_on, context)
                    result.created += 1
                elif current.status == S.REMOVED:
                    if record.status != S.REMOVED:
                        result.rejected.append(
                            Issue(
                                record.index,
                                "reappeared",
                                str(REJECT_REAPPEARED % {"name": current.name}),
                            )
                        )
                    else:
                        result.unchanged += 1
                else:
                    seen = record
                    if gone_on is not None and record.status == S.REMOVED:
                        # Removed, but the day it was last seen, not the snapshot's.
                        seen = dataclasses.replace(record, status=current.status)
                    changes = _update(current, seen, context)
                    if gone_on is not None and _remove_last_seen(current, gone_on, context):
                        changes.append(Adaptation.Kind.REMOVED)
                    if changes:
                        result.updated += 1
                        result.changes.update(changes)
                    else:
                        result.unchanged += 1
        except ValidationError as exc:
            result.rejected.append(
                Issue(record.index, "not_saved", str(REJECT_NOT_SAVED % {"error": _messages(exc)}))
            )

    Amenagement.objects.filter(external_source=source, external_id__in=held).update(
        snapshot_seen_on=as_of, snapshot_seen_file=file_name
    )
    if not partial:
        description = str(EVENT_DISAPPEARED % {"date": as_of.isoformat()})
        for amenagement in existing.values():
            if amenagement.status != S.REMOVED:
                amenagement_adapt(
                    amenagement=amenagement,
                    date=as_of,
                    kind=Adaptation.Kind.REMOVED,
                    description=description,
                    origin=Adaptation.Origin.IMPORT,
                    recorded_by=recorded_by,
                )
                result.removed += 1
    if dry_run:
        transaction.set_rollback(True)
    return result


def _claims(
    records: Sequence[SnapshotRecord], existing: dict[str, Amenagement], aliases: dict[str, str]
) -> dict[int, str]:
    """Which known arrangement (its identifier) each record stands for, by record index.

    A record claims the arrangement of its identifier, else the first found under one of its
    lines' identifiers (a shared stretch whose lines came in another order). When a shared
    stretch splits — its lines no longer run together — several records claim it: it stays with
    the one whose geometry is still its own (the stretch is still there, with that line), else
    with the first; the others are new arrangements (where a line moved to is a new stretch).
    """
    claimed: dict[str, list[SnapshotRecord]] = {}
    for record in records:
        for key in (record.external_id, *record.shared_ids):
            target = key if key in existing else aliases.get(key)
            if target is not None and target in existing:
                claimed.setdefault(target, []).append(record)
                break
    claims = {}
    for target, claimants in claimed.items():
        geom = existing[target].geom
        same_place = [
            r
            for r in claimants
            if r.geom.equals_exact(geom, tolerance=GEOMETRY_TOLERANCE) or r.geom.equals(geom)
        ]
        claims[(same_place or claimants)[0].index] = target
    return claims


def _renamed(
    existing: dict[str, Amenagement], records: Sequence[SnapshotRecord]
) -> list[tuple[str, SnapshotRecord]]:
    """Pairs (old identifier, record) for segments whose identifier changed but not their place.

    Sources rename segments (Lyon's "Scénario 2 - Grande Rue" became "Grande Rue" when the
    trial was kept); matching on the identifier alone would record a removal and a creation
    and lose the segment's history. Candidates are the known arrangements absent from the
    snapshot and the records not yet known; a pair matches when each geometry lies within
    RENAME_TOLERANCE_M of the other. Each side is used once: closest identifiers first (so a
    segment shared by two lines keeps its own line number).
    """
    present = {key for record in records for key in (record.external_id, *record.shared_ids)}
    known = {key for key, a in existing.items() for key in (key, *a.shared_external_ids)}
    orphans = {
        key: a
        for key, a in existing.items()
        if present.isdisjoint((key, *a.shared_external_ids)) and a.status != S.REMOVED
    }
    newcomers = [
        record for record in records if known.isdisjoint((record.external_id, *record.shared_ids))
    ]
    if not orphans or not newcomers:
        return []
    srid = settings.TACTIQUE_METRIC_SRID
    metric = {key: a.geom.transform(srid, clone=True) for key, a in orphans.items()}
    candidates = []
    for record in newcomers:
        geom = geometry_clean(record.geom).transform(srid, clone=True)
        around = geom.buffer(RENAME_TOLERANCE_M)
        for key, old in metric.items():
            if (
                old.envelope.intersects(around)
                and around.contains(old)
                and old.buffer(RENAME_TOLERANCE_M).contains(geom)
            ):
                similarity = SequenceMatcher(None, key, record.external_id).ratio()
                candidates.append((-similarity, record.index, key, record))
    pairs, used_old, used_new = [], set(), set()
    for _score, index, key, record in sorted(candidates, key=lambda c: c[:3]):
        if key not in used_old and index not in used_new:
            used_old.add(key)
            used_new.add(index)
            pairs.append((key, record))
    return pairs


@dataclass(frozen=True)
class _Context:
    source: str
    as_of: dt.date
    attribution: str
    recorded_by: User | None
    snapshot: str
    communes: dict[str, Commune | None] = field(default_factory=dict)

    def commune(self, name: str) -> Commune | None:
        key = name.casefold()
        if key not in self.communes:
            self.communes[key] = commune_get_or_create(name=name) if name else None
        return self.communes[key]


def _messages(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _create(
    record: SnapshotRecord, context: _Context, *, gone_on: dt.date | None = None
) -> Amenagement:
    """Create the record's arrangement, dated its opening date, else its first-seen date, else
    the snapshot's — and not after the day it was last seen if it is gone."""
    opened = record.opened_on
    latest = min(context.as_of, gone_on) if gone_on is not None else context.as_of
    date = next((d for d in (opened, record.first_seen) if d is not None and d <= latest), latest)
    return amenagement_create(
        name=record.name,
        kind=record.kind,
        status=S.PLANNED if gone_on is not None and record.status == S.REMOVED else record.status,
        geom=record.geom,
        date=date,
        commune=context.commune(record.commune),
        opened_on=opened,
        external_source=context.source,
        external_id=record.external_id,
        shared_external_ids=record.shared_ids,
        stretch_names=record.stretch_names,
        source_properties=record.properties,
        attribution=context.attribution,
        event_description=str(EVENT_CREATED % {"date": context.as_of.isoformat()}),
        origin=Adaptation.Origin.IMPORT,
        recorded_by=context.recorded_by,
    )


def _remove_last_seen(amenagement: Amenagement, gone_on: dt.date, context: _Context) -> bool:
    """Record that a gone record's arrangement was removed, the day it was last seen (or on
    its last event, if later: events keep their order); whether it was not removed yet."""
    amenagement.refresh_from_db()
    if amenagement.status == S.REMOVED:
        return False
    last = amenagement.adaptations.aggregate(last=Max("date"))["last"]
    amenagement_adapt(
        amenagement=amenagement,
        date=max(gone_on, last) if last is not None else gone_on,
        kind=Adaptation.Kind.REMOVED,
        description=str(
            EVENT_LAST_SEEN % {"snapshot": context.snapshot, "date": gone_on.isoformat()}
        ),
        origin=Adaptation.Origin.IMPORT,
        recorded_by=context.recorded_by,
    )
    return True


def _update(amenagement: Amenagement, record: SnapshotRecord, context: _Context) -> list[str]:
    """Apply the record's differences to a known arrangement; return the change kinds."""
    changes: list[str] = []
    date = context.as_of
    last_event = getattr(amenagement, "last_event", None)
    if (
        record.opened_on is not None
        and (last_event is None or record.opened_on > last_event)
        and record.opened_on <= context.as_of
    ):
        date = record.opened_on

    def adapt(kind: str, description: Any, change: str = "", **kwargs: Any) -> None:
        amenagement_adapt(
            amenagement=amenagement,
            date=date,
            kind=kind,
            description=str(description),
            origin=Adaptation.Origin.IMPORT,
            recorded_by=context.recorded_by,
            **kwargs,
        )
        changes.append(change or str(kind))

    # Records built by other callers may lack an SRID (read as WGS 84) or use another one.
    geom = geometry_clean(record.geom)
    # Topologically equal (a line drawn the other way round) is not a change either.
    if not (
        geom.equals_exact(amenagement.geom, tolerance=GEOMETRY_TOLERANCE)
        or geom.equals(amenagement.geom)
    ):
        kind, before, after = _geometry_change(amenagement.geom, geom)
        adapt(
            kind,
            EVENT_GEOMETRY % {"snapshot": context.snapshot, "before": before, "after": after},
            geom=geom,
        )
    if record.kind != amenagement.kind:
        adapt(
            Adaptation.Kind.OTHER,
            EVENT_KIND
            % {
                "snapshot": context.snapshot,
                "before": K(amenagement.kind).label,
                "after": K(record.kind).label,
                "value": record.source_kind,
            },
            change="kind",
            arrangement_kind=record.kind,
        )
    if record.status != amenagement.status:
        kind = {
            S.PERMANENT: Adaptation.Kind.MADE_PERMANENT,
            S.REMOVED: Adaptation.Kind.REMOVED,
        }.get(S(record.status), Adaptation.Kind.STATUS_CHANGED)
        adapt(
            kind,
            EVENT_STATUS
            % {
                "snapshot": context.snapshot,
                "before": S(amenagement.status).label,
                "after": S(record.status).label,
                "value": record.source_status,
            },
            status=record.status,
        )

    # Descriptive fields: a plain update, no event (and no new version). The arrangement row is
    # reread, as the adaptations above saved their own copy of it.
    details = {
        "opened_on": record.opened_on,
        "commune_id": getattr(context.commune(record.commune), "pk", None),
        "attribution": context.attribution,
        "source_properties": record.properties,
        # A stretch that more (or fewer) lines share now: the same arrangement, its lines told.
        "shared_external_ids": [
            key
            for key in (record.external_id, *record.shared_ids)
            if key != amenagement.external_id
        ],
        "stretch_names": list(record.stretch_names),
    }
    fields: dict[str, Any] = {}
    if record.name != amenagement.name:
        fields["name"] = record.name
        changes.append("name")
    differing = {k: v for k, v in details.items() if getattr(amenagement, k) != v}
    if differing:
        fields.update(differing)
        changes.append("details")
    if fields:
        Amenagement.objects.filter(pk=amenagement.pk).update(**fields, updated_at=timezone.now())
    return changes


def _geometry_change(old: GEOSGeometry, new: GEOSGeometry) -> tuple[str, str, str]:
    """(adaptation kind, old size, new size): extended/shortened beyond the threshold, else moved.

    Sizes are lengths for lines and areas for polygons, measured in the metric CRS.
    """
    srid = settings.TACTIQUE_METRIC_SRID
    old_m, new_m = old.transform(srid, clone=True), new.transform(srid, clone=True)
    if old.dims == new.dims == 2:
        before, after, unit = old_m.area, new_m.area, "m²"
    else:
        before, after, unit = old_m.length, new_m.length, "m"
    kind = Adaptation.Kind.MOVED
    if old.dims == new.dims and before > 0:
        ratio = (after - before) / before
        if ratio > SIZE_CHANGE_THRESHOLD:
            kind = Adaptation.Kind.EXTENDED
        elif ratio < -SIZE_CHANGE_THRESHOLD:
            kind = Adaptation.Kind.SHORTENED
    return kind, f"{before:.0f} {unit}", f"{after:.0f} {unit}"
