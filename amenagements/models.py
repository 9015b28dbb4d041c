"""Arrangements (aménagements), their geometry history and their adaptation events.

Rules the database holds, whatever code writes:
- an arrangement's geometry is a valid line or polygon (multi or not) in SRID 4326;
- a version's validity range is ordered, and the versions of one arrangement never overlap,
  so at most one of them is open (`valid_to` NULL) at a time.
Writes go through `amenagements.services`, which record the adaptation event in the same
transaction as the change it describes. A *planned* adaptation (`PlannedAdaptation`, e.g. decided
on an evaluation's proposal) changes nothing on the ground: it waits until an adaptation that
carries it out is recorded, or is cancelled with a public reason. That an adaptation's version
belongs to the same arrangement and opened on the adaptation's date is a rule of those services,
not a constraint.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact, In
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

GEOMETRY_TYPES = ("LINESTRING", "MULTILINESTRING", "POLYGON", "MULTIPOLYGON")


class GeometryType(Func):
    """PostGIS `GeometryType(geom)`: 'LINESTRING', 'POLYGON'…"""

    function = "GeometryType"
    output_field = models.CharField()


class DateRange(Func):
    """PostgreSQL `daterange(lower, upper, '[)')`: half-open, so consecutive versions touch."""

    function = "DATERANGE"
    output_field = models.DateField()  # only used inside the exclusion constraint

    def __init__(self, lower: str, upper: str) -> None:
        super().__init__(lower, upper, models.Value("[)"))


def _geometry_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=In(GeometryType(F("geom")), GEOMETRY_TYPES),
            name=f"{prefix}_geom_line_or_polygon",
            violation_error_message=_("The geometry must be a line or a polygon."),
        ),
        models.CheckConstraint(
            condition=Exact(IsValid(F("geom")), True),
            name=f"{prefix}_geom_valid",
            violation_error_message=_("The geometry is not valid."),
        ),
    ]


class Commune(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    insee_code = models.CharField(_("INSEE code"), max_length=5, blank=True)
    # The accounts of this commune's services (staff, moderators): an account assigned communes
    # acts only on their arrangements; one assigned none acts city-wide
    # (`amenagements.permissions.commune_scope`).
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agents"),
        related_name="agent_communes",
        blank=True,
        help_text=_(
            "Staff and moderators who act for this commune only. An account assigned no "
            "commune acts for every commune."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return self.name


class Amenagement(models.Model):
    class Kind(models.TextChoices):
        BIKE_LANE = "bike_lane", _("Bike lane")
        BIKE_STREET = "bike_street", _("Bike street")
        GREENWAY = "greenway", _("Greenway")
        PEDESTRIAN_STREET = "pedestrian_street", _("Pedestrian street")
        WIDENED_SIDEWALK = "widened_sidewalk", _("Widened sidewalk")
        SCHOOL_STREET = "school_street", _("School street")
        SHARED_ZONE = "shared_zone", _("Shared zone")
        TERRACE = "terrace", _("Terrace")
        BUS_LANE = "bus_lane", _("Shared bus lane")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        TESTING = "testing", _("Being tested")
        EVALUATION = "evaluation", _("Under evaluation")
        PERMANENT = "permanent", _("Permanent")
        REMOVED = "removed", _("Removed")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="amenagements",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    decision_deadline = models.DateField(_("decision deadline"), null=True, blank=True)
    # The current geometry, denormalised from the open version so the map reads one table.
    geom = models.GeometryField(_("geometry"), srid=4326)

    # Where the arrangement comes from, so that a later snapshot of the same source updates it.
    external_source = models.CharField(_("source"), max_length=100, blank=True)
    external_id = models.CharField(_("identifier in the source"), max_length=200, blank=True)
    source_properties = models.JSONField(_("source properties"), default=dict, blank=True)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    # The latest snapshot that had it, and the file it was in: a network published as several
    # files sharing segments is imported file by file, and the first file of a snapshot to hold
    # a segment is the one that says what it is (`importing.snapshot`).
    snapshot_seen_on = models.DateField(_("last snapshot holding it"), null=True, blank=True)
    snapshot_seen_file = models.CharField(_("in the file"), max_length=255, blank=True)
    # A stretch shared by several lines of a network (the source has one feature per line, with
    # the same geometry) is one arrangement: the identifiers of the other lines' features, and
    # the names of all of them, so that each line finds it again (`amenagements.stretches`).
    shared_external_ids = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("identifiers of the same stretch on other lines"),
        default=list,
        blank=True,
    )
    stretch_names = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("names of the lines' features it stands for"),
        default=list,
        blank=True,
    )
    # The slugs of arrangements merged into this one: their pages redirect here.
    former_slugs = ArrayField(
        models.SlugField(max_length=120),
        verbose_name=_("former addresses"),
        default=list,
        blank=True,
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangements")
        constraints = [
            *_geometry_constraints("amenagement"),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="amenagement_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(decision_deadline__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(decision_deadline__gte=F("opened_on")),
                name="amenagement_deadline_after_opening",
                violation_error_message=_("The decision deadline cannot precede the opening."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"]),
            GinIndex(fields=["former_slugs"], name="amenagement_former_slugs"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pages:amenagement", kwargs={"slug": self.slug})


class AmenagementVersion(models.Model):
    """One geometry of an arrangement and the dates it was in force: [valid_from, valid_to)."""

    amenagement = models.ForeignKey(Amenagement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    geom = models.GeometryField(_("geometry"), srid=4326)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "number"]
        verbose_name = _("arrangement version")
        verbose_name_plural = _("arrangement versions")
        constraints = [
            *_geometry_constraints("version"),
            models.UniqueConstraint(fields=["amenagement", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["amenagement"],
                condition=Q(valid_to__isnull=True),
                name="version_one_open_per_amenagement",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="version_dates_ordered",
            ),
            ExclusionConstraint(
                name="version_no_overlap",
                expressions=[
                    ("amenagement", RangeOperators.EQUAL),
                    (DateRange("valid_from", "valid_to"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amenagement} v{self.number}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Adaptation(models.Model):
    """A dated event in an arrangement's life. Immutable once written."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        WIDENED = "widened", _("Widened")
        NARROWED = "narrowed", _("Narrowed")
        SEPARATED = "separated", _("Separation added")
        EXTENDED = "extended", _("Extended")
        SHORTENED = "shortened", _("Shortened")
        MOVED = "moved", _("Moved")
        STATUS_CHANGED = "status_changed", _("Status changed")
        MADE_PERMANENT = "made_permanent", _("Made permanent")
        REMOVED = "removed", _("Removed")
        OTHER = "other", _("Other")

    class Origin(models.TextChoices):
        STAFF = "staff", _("Recorded by the services")
        IMPORT = "import", _("Detected by an import")

    amenagement = models.ForeignKey(
        Amenagement, on_delete=models.CASCADE, related_name="adaptations"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    # The version this adaptation opened, when it changed the geometry.
    version = models.OneToOneField(
        AmenagementVersion,
        on_delete=models.PROTECT,
        related_name="opened_by",
        verbose_name=_("version opened"),
        null=True,
        blank=True,
    )
    status_before = models.CharField(max_length=20, choices=Amenagement.Status.choices, blank=True)
    status_after = models.CharField(max_length=20, choices=Amenagement.Status.choices, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.STAFF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "date", "pk"]
        verbose_name = _("adaptation")
        verbose_name_plural = _("adaptations")
        indexes = [models.Index(fields=["amenagement", "date"])]

    def __str__(self) -> str:
        return f"{self.amenagement} — {self.get_kind_display()} ({self.date:%Y-%m-%d})"


class PlannedAdaptation(models.Model):
    """An adaptation the services have decided on but not carried out yet.

    planned ──an adaptation recorded as carrying it out──▶ done (`adaptation` set);
    planned ──cancelled, with a public reason──▶ cancelled.
    It never changes the arrangement itself: the evaluation, the usage chart and the timeline of
    what happened read `Adaptation` rows only. `geom` locates what is planned when only part of
    the line is concerned (e.g. the hot-spot segments named by a proposal).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Carried out")
        CANCELLED = "cancelled", _("Cancelled")

    amenagement = models.ForeignKey(
        Amenagement, on_delete=models.CASCADE, related_name="planned_adaptations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Adaptation.Kind.choices)
    description = models.TextField(_("description"))
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    geom = models.MultiLineStringField(_("part concerned"), srid=4326, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    adaptation = models.OneToOneField(
        Adaptation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carries_out",
        verbose_name=_("adaptation that carried it out"),
    )
    cancel_reason = models.TextField(_("reason for cancelling (public)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "created_at", "pk"]
        verbose_name = _("planned adaptation")
        verbose_name_plural = _("planned adaptations")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "done", "cancelled"]),
                name="planned_known_status",
            ),
            models.CheckConstraint(
                condition=Q(status="done", adaptation__isnull=False)
                | Q(~Q(status="done"), adaptation__isnull=True),
                name="planned_done_iff_adaptation",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="planned_cancel_explained",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="planned_has_description"),
        ]

    def __str__(self) -> str:
        return f"{self.amenagement} — {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED
