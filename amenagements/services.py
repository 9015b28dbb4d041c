"""Writes on arrangements. Every change records its `Adaptation` in the same transaction.

Rules:
- an arrangement is born with version 1 of its geometry and a "created" adaptation;
- an adaptation is dated; it may not predate the arrangement's latest recorded event, so the
  history reads in order and versions never overlap;
- a new geometry closes the open version on the adaptation's date and opens the next one;
- "made permanent" and "removed" adaptations set the matching status; a status may also be set
  explicitly with any adaptation;
- a planned adaptation (decided, not yet done) changes nothing until an adaptation recorded as
  carrying it out marks it done; it may instead be cancelled with a public reason.
Geometries are checked (type, validity, SRID 4326) before anything is written, and the
database constraints hold the same rules for any other writer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiLineString
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from amenagements import hooks
from amenagements.models import (
    GEOMETRY_TYPES,
    Adaptation,
    Amenagement,
    AmenagementVersion,
    Commune,
    PlannedAdaptation,
)
from common.text import unique_slug

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_GEOMETRY_TYPE = _("The geometry must be a line or a polygon, not “%(type)s”.")
ERROR_GEOMETRY_INVALID = _("The geometry is not valid: %(reason)s.")
ERROR_GEOMETRY_EMPTY = _("The geometry is empty.")
ERROR_GEOMETRY_OUT_OF_RANGE = _(
    "The geometry lies outside the Earth: longitudes go from −180 to 180 degrees and "
    "latitudes from −90 to 90."
)
ERROR_GEOMETRY_SRID = _("The geometry’s coordinate system (SRID %(srid)s) is unknown.")
ERROR_DATE_BEFORE_LAST_EVENT = _(
    "An adaptation cannot be dated %(date)s: the last recorded event is dated %(last)s."
)
ERROR_ALREADY_REMOVED = _("This arrangement has been removed; it can no longer be adapted.")
ERROR_NOTHING_CHANGES = _("This adaptation changes neither the geometry nor the status.")
ERROR_PLANNED_NOT_OPEN = _("This planned adaptation is no longer planned (it is “%(status)s”).")
ERROR_PLANNED_OTHER_ARRANGEMENT = _("This planned adaptation concerns another arrangement.")
ERROR_PLANNED_DESCRIPTION = _("Describe the planned adaptation.")
ERROR_CANCEL_REASON = _("Give the reason for cancelling: it is published.")

STATUS_FOR_KIND: dict[str, str] = {
    Adaptation.Kind.MADE_PERMANENT: Amenagement.Status.PERMANENT,
    Adaptation.Kind.REMOVED: Amenagement.Status.REMOVED,
}


def geometry_clean(geom: GEOSGeometry) -> GEOSGeometry:
    """Return `geom` in SRID 4326 if it is a non-empty valid line or polygon; raise otherwise.

    A geometry without SRID is taken to be WGS 84 (as GeoJSON is); any other SRID is transformed
    (an unknown one is refused); coordinates off the Earth (or not finite) are refused.
    """
    if geom.empty:
        raise ValidationError(ERROR_GEOMETRY_EMPTY, code="geometry_empty")
    if geom.geom_type.upper() not in GEOMETRY_TYPES:
        raise ValidationError(
            ERROR_GEOMETRY_TYPE, code="geometry_type", params={"type": geom.geom_type}
        )
    if geom.srid is None:
        geom = geom.clone()
        geom.srid = 4326
    elif geom.srid != 4326:
        try:
            geom = geom.transform(4326, clone=True)
        except (GDALException, GEOSException):
            raise ValidationError(
                ERROR_GEOMETRY_SRID, code="geometry_srid", params={"srid": geom.srid}
            ) from None
    # PostGIS stores any number, but cannot measure or project what lies off the Earth.
    xmin, ymin, xmax, ymax = geom.extent
    if not all(map(math.isfinite, (xmin, ymin, xmax, ymax))) or not (
        -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    ):
        raise ValidationError(ERROR_GEOMETRY_OUT_OF_RANGE, code="geometry_out_of_range")
    if not geom.valid:
        raise ValidationError(
            ERROR_GEOMETRY_INVALID, code="geometry_invalid", params={"reason": geom.valid_reason}
        )
    return geom


def commune_get_or_create(*, name: str) -> Commune:
    """The commune called `name` (case-insensitive), created on first use."""
    name = " ".join(name.split())
    commune = Commune.objects.filter(name__iexact=name).first()
    if commune is None:
        commune = Commune.objects.create(
            name=name, slug=unique_slug(Commune, name, fallback="commune")
        )
    return commune


@transaction.atomic
def amenagement_create(
    *,
    name: str,
    kind: str,
    status: str,
    geom: GEOSGeometry,
    date: dt.date,
    commune: Commune | None = None,
    description: str = "",
    opened_on: dt.date | None = None,
    decision_deadline: dt.date | None = None,
    external_source: str = "",
    external_id: str = "",
    shared_external_ids: Sequence[str] = (),
    stretch_names: Sequence[str] = (),
    source_properties: dict[str, Any] | None = None,
    attribution: str = "",
    event_description: str = "",
    origin: str = Adaptation.Origin.STAFF,
    recorded_by: User | None = None,
) -> Amenagement:
    """Create an arrangement with its first version (valid from `date`) and its "created" event.

    `shared_external_ids` and `stretch_names` describe a stretch several lines of the source
    share (`amenagements.importing.stretches`).

    Raises `ValidationError` on a bad geometry or inconsistent fields.
    """
    geom = geometry_clean(geom)
    amenagement = Amenagement(
        slug=unique_slug(Amenagement, name, fallback="amenagement"),
        name=name,
        kind=kind,
        status=status,
        commune=commune,
        description=description,
        opened_on=opened_on,
        decision_deadline=decision_deadline,
        geom=geom,
        external_source=external_source,
        external_id=external_id,
        shared_external_ids=list(shared_external_ids),
        stretch_names=list(stretch_names),
        source_properties=source_properties or {},
        attribution=attribution,
    )
    amenagement.full_clean()
    amenagement.save()
    version = AmenagementVersion.objects.create(
        amenagement=amenagement, number=1, geom=geom, valid_from=date
    )
    Adaptation.objects.create(
        amenagement=amenagement,
        date=date,
        kind=Adaptation.Kind.CREATED,
        description=event_description,
        version=version,
        status_after=status,
        origin=origin,
        recorded_by=recorded_by,
    )
    hooks.layout_changed(amenagement)
    return amenagement


def _last_event_date(amenagement: Amenagement) -> dt.date | None:
    last: dt.date | None = amenagement.adaptations.aggregate(last=Max("date"))["last"]
    return last


@transaction.atomic
def amenagement_adapt(
    *,
    amenagement: Amenagement,
    date: dt.date,
    kind: str,
    description: str = "",
    geom: GEOSGeometry | None = None,
    status: str | None = None,
    arrangement_kind: str | None = None,
    origin: str = Adaptation.Origin.STAFF,
    recorded_by: User | None = None,
    carries_out: PlannedAdaptation | None = None,
) -> Adaptation:
    """Record an adaptation of `amenagement` dated `date`, applying what it changes.

    - With `geom` (different from the current one), the open version is closed on `date` and a
      new version opens; the adaptation points to it. A second geometry change on the same day
      (a correction) leaves the first one as an empty range [date, date): kept for the record,
      never in force, so nothing is ever attributed to it.
    - The status becomes `status` if given, else the one implied by `kind` (made permanent,
      removed), else stays.
    - With `arrangement_kind`, the arrangement's kind (bike lane, school street…) changes too.
    - With `carries_out`, that planned adaptation of the same arrangement becomes done and points
      to the new adaptation (it must still be planned).
    The arrangement row is locked for the duration, so concurrent adaptations are serialised;
    it is re-read under the lock, so callers read the result from `adaptation.amenagement`.
    Raises `ValidationError` if the date precedes the last event, the arrangement was removed,
    the geometry is bad, or a status/geometry change kind changes nothing.
    """
    amenagement = Amenagement.objects.select_for_update().get(pk=amenagement.pk)
    if amenagement.status == Amenagement.Status.REMOVED:
        raise ValidationError(ERROR_ALREADY_REMOVED, code="removed")
    if carries_out is not None:
        carries_out = _lock_planned(carries_out)
        if carries_out.amenagement_id != amenagement.pk:
            raise ValidationError(ERROR_PLANNED_OTHER_ARRANGEMENT, code="other_arrangement")
    last = _last_event_date(amenagement)
    if last is not None and date < last:
        raise ValidationError(
            ERROR_DATE_BEFORE_LAST_EVENT,
            code="date_order",
            params={"date": date.isoformat(), "last": last.isoformat()},
        )

    new_version = None
    if geom is not None:
        geom = geometry_clean(geom)
        if geom.equals_exact(amenagement.geom, tolerance=1e-9):
            geom = None
    if geom is not None:
        current = amenagement.versions.select_for_update().get(valid_to__isnull=True)
        current.valid_to = date
        current.save(update_fields=["valid_to"])
        new_version = AmenagementVersion.objects.create(
            amenagement=amenagement, number=current.number + 1, geom=geom, valid_from=date
        )
        amenagement.geom = geom

    status_before = amenagement.status
    new_status = status or STATUS_FOR_KIND.get(kind) or amenagement.status
    if kind in {Adaptation.Kind.STATUS_CHANGED, *STATUS_FOR_KIND} and new_status == status_before:
        raise ValidationError(ERROR_NOTHING_CHANGES, code="no_change")
    amenagement.status = new_status
    if arrangement_kind is not None:
        amenagement.kind = arrangement_kind
    amenagement.full_clean()
    amenagement.save()
    if new_version is not None:
        hooks.layout_changed(amenagement)

    adaptation = Adaptation.objects.create(
        amenagement=amenagement,
        date=date,
        kind=kind,
        description=description,
        version=new_version,
        status_before=status_before if new_status != status_before else "",
        status_after=new_status if new_status != status_before else "",
        origin=origin,
        recorded_by=recorded_by,
    )
    if carries_out is not None:
        carries_out.status = PlannedAdaptation.Status.DONE
        carries_out.adaptation = adaptation
        carries_out.save(update_fields=["status", "adaptation"])
    hooks.adapted(adaptation)
    return adaptation


def _lock_planned(planned: PlannedAdaptation) -> PlannedAdaptation:
    locked = PlannedAdaptation.objects.select_for_update().get(pk=planned.pk)
    if not locked.is_planned:
        raise ValidationError(
            ERROR_PLANNED_NOT_OPEN,
            code="not_planned",
            params={"status": locked.get_status_display()},
        )
    return locked


def adaptation_plan(
    *,
    amenagement: Amenagement,
    kind: str,
    description: str,
    planned_for: dt.date | None = None,
    geom: MultiLineString | None = None,
    created_by: User | None = None,
) -> PlannedAdaptation:
    """Record that an adaptation of `amenagement` is planned (nothing changes on the ground).

    `geom`, a (multi)line in SRID 4326, says which part of the line is concerned. Raises
    `ValidationError` if the arrangement was removed or the description is empty. Callers that
    must be atomic with other writes (accepting a proposal) wrap it in their transaction.
    """
    if amenagement.status == Amenagement.Status.REMOVED:
        raise ValidationError(ERROR_ALREADY_REMOVED, code="removed")
    description = description.strip()
    if not description:
        raise ValidationError(ERROR_PLANNED_DESCRIPTION, code="description")
    planned = PlannedAdaptation(
        amenagement=amenagement,
        kind=kind,
        description=description,
        planned_for=planned_for,
        geom=geom,
        created_by=created_by,
    )
    planned.full_clean()
    planned.save()
    return planned


@transaction.atomic
def planned_adaptation_cancel(*, planned: PlannedAdaptation, reason: str) -> PlannedAdaptation:
    """Cancel a planned adaptation, with a reason that is published on the arrangement's page.

    Raises `ValidationError` if it is no longer planned or the reason is empty.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(ERROR_CANCEL_REASON, code="reason")
    planned = _lock_planned(planned)
    planned.status = PlannedAdaptation.Status.CANCELLED
    planned.cancel_reason = reason
    planned.save(update_fields=["status", "cancel_reason"])
    return planned
