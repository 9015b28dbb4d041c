"""Usage data: counters, their readings, the rollups read downstream, outages, manual counts.

Rules the database holds, whatever code writes:
- a counter is a point in SRID 4326, known by its identifier within its source;
- a reading is one count for one period — an hour, a day or a month, starting at `start` — and
  there is one reading per (counter, start, length): that triple is the primary key, so
  re-importing a file can only update values, never duplicate them;
- counts, hours and days are never negative; an outage ends after it starts; a manual counting
  session ends after it starts and is recorded once.
A reading's counter is the one exception to "the database holds the rules": see `Reading`.

`Reading` grows to tens of millions of rows: its primary key (a B-tree on counter, start,
length) serves the per-counter range reads of the imports, a BRIN index on `start` serves reads
across counters by time, and nothing downstream reads it: pages and the evaluation engine read
`DailyTotal` and `MonthlyTotal`, which every import keeps up to date (see
`usage.importing.rollups` for how each granularity feeds them).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import BrinIndex
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement


class Counter(models.Model):
    """A permanent automatic counter (bike loop, camera…) at a point."""

    source = models.CharField(
        _("source"), max_length=100, help_text=_("The data provider, e.g. “paris”.")
    )
    external_id = models.CharField(_("identifier in the source"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    location = models.PointField(_("location"), srid=4326)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    source_properties = models.JSONField(_("source properties"), default=dict, blank=True)
    amenagements = models.ManyToManyField(
        Amenagement,
        through="CounterLink",
        related_name="counters",
        verbose_name=_("arrangements"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="counter_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CounterLink(models.Model):
    """A counter measures an arrangement. Computed by distance, or set by the services.

    Recomputation (after an adaptation, or when counters are imported) replaces the links it
    computed and never touches a `manual` one: a manual link either adds a counter the distance
    rule missed, or — `excluded` — keeps out one it would wrongly add.
    """

    counter = models.ForeignKey(
        Counter, on_delete=models.CASCADE, related_name="links", verbose_name=_("counter")
    )
    amenagement = models.ForeignKey(
        Amenagement,
        on_delete=models.CASCADE,
        related_name="counter_links",
        verbose_name=_("arrangement"),
    )
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    manual = models.BooleanField(
        _("set by the services"),
        default=False,
        help_text=_("Kept as it is when links are recomputed."),
    )
    excluded = models.BooleanField(
        _("excluded"),
        default=False,
        help_text=_("The counter does not measure this arrangement, however close it is."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "distance_m", "pk"]
        verbose_name = _("counter link")
        verbose_name_plural = _("counter links")
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "amenagement"], name="counterlink_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(excluded=False) | Q(manual=True),
                name="counterlink_excluded_is_manual",
                violation_error_message=_("Only the services exclude a counter."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} → {self.amenagement}"


class Length(models.IntegerChoices):
    """The length of a reading's period. Small integers: they sit in the largest table."""

    HOUR = 1, _("hour")
    DAY = 2, _("day")
    MONTH = 3, _("month")


class Reading(models.Model):
    """A count over one period (an hour, a day or a month) starting at `start` (UTC).

    In the database the table is partitioned by month of `start` (UTC months; migration 0004,
    a table `PARTITION BY RANGE (start)` with a DEFAULT partition): a month's import writes
    into one small partition, whatever the number of readings stored. The imports create the
    months they write (`usage.importing.partitions`); the ORM sees one table, and its
    primary key, which holds `start`, is every partition's. The indexes below are the
    partitioned table's, so every partition has its own.
    """

    pk = models.CompositePrimaryKey("counter", "start", "length")
    # No index of its own: the primary key's B-tree starts with the counter. No foreign key in
    # the database either: its check costs more than the whole COPY of the rows (measured again
    # with the SQL validation of 2026-11: +3.7 s per million rows, checked at once or deferred
    # to the commit, against 2.1 s for the insert itself). The only writer, the import, takes
    # every counter id from the counters table in the same transaction, after taking the import
    # lock (each line's counter is looked up among them), and deleting a counter through Django
    # deletes its readings.
    counter = models.ForeignKey(
        Counter,
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        verbose_name=_("counter"),
    )
    start = models.DateTimeField(_("start"))
    length = models.PositiveSmallIntegerField(_("period"), choices=Length.choices)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        indexes = [
            BrinIndex(fields=["start"], name="reading_start_brin"),
            # The monthly readings alone: a month's rollup looks for one without reading the
            # month's hours through the primary key (0.2 s per million hourly readings).
            models.Index(
                fields=["counter", "start"],
                condition=Q(length=Length.MONTH),
                name="reading_month_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.start:%Y-%m-%d %H:%M} {self.get_length_display()}"


class DailyTotal(models.Model):
    """A counter's total for one local day (settings.TIME_ZONE), with how much of it is known.

    `hours` is the number of hours the total covers and `hours_expected` the length of that day
    (23 or 25 on the days clocks change): a day is complete when they are equal. A day known from
    a daily reading covers every hour by definition.
    """

    pk = models.CompositePrimaryKey("counter", "date")
    counter = models.ForeignKey(
        Counter, on_delete=models.CASCADE, db_index=False, verbose_name=_("counter")
    )
    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("count"))
    hours = models.PositiveSmallIntegerField(_("hours covered"))
    hours_expected = models.PositiveSmallIntegerField(_("hours in the day"))
    source_length = models.PositiveSmallIntegerField(_("computed from"), choices=Length.choices)

    class Meta:
        verbose_name = _("daily total")
        verbose_name_plural = _("daily totals")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__lte=F("hours_expected")), name="dailytotal_hours_le_expected"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.date}: {self.count}"

    @property
    def complete(self) -> bool:
        return self.hours >= self.hours_expected


class MonthlyTotal(models.Model):
    """A counter's total for one local month (`month` is its first day), and the days known."""

    pk = models.CompositePrimaryKey("counter", "month")
    counter = models.ForeignKey(
        Counter, on_delete=models.CASCADE, db_index=False, verbose_name=_("counter")
    )
    month = models.DateField(_("month"))
    count = models.PositiveBigIntegerField(_("count"))
    days = models.PositiveSmallIntegerField(_("days covered"))
    days_expected = models.PositiveSmallIntegerField(_("days in the month"))
    source_length = models.PositiveSmallIntegerField(_("computed from"), choices=Length.choices)

    class Meta:
        verbose_name = _("monthly total")
        verbose_name_plural = _("monthly totals")
        constraints = [
            models.CheckConstraint(
                condition=Q(days__lte=F("days_expected")), name="monthlytotal_days_le_expected"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="monthlytotal_month_is_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.month:%Y-%m}: {self.count}"

    @property
    def complete(self) -> bool:
        return self.days >= self.days_expected


class Outage(models.Model):
    """Local days [start, end) when a counter did not count: excluded from every statistic.

    Detected ones are recomputed after each import that touches the counter; the services may
    record others (`manual`), which detection leaves alone.
    """

    class Kind(models.TextChoices):
        ZERO = "zero", _("Zero or near-zero counts")
        MISSING = "missing", _("No data")
        REPORTED = "reported", _("Reported by the services")

    counter = models.ForeignKey(
        Counter, on_delete=models.CASCADE, related_name="outages", verbose_name=_("counter")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("day after the last"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    manual = models.BooleanField(_("recorded by the services"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["counter", "start"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        indexes = [models.Index(fields=["counter", "start"], name="outage_counter_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="outage_end_after_start",
                violation_error_message=_("An outage must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter}: {self.start} → {self.end}"


class ManualCount(models.Model):
    """A counting session on an arrangement: who or what passed between two times of a day."""

    class Subject(models.TextChoices):
        BIKES = "bikes", _("Bikes")
        CARGO_BIKES = "cargo_bikes", _("Cargo bikes")
        PEDESTRIANS = "pedestrians", _("Pedestrians")
        SCOOTERS = "scooters", _("Scooters")
        MOTORISED = "motorised", _("Motor vehicles")
        OTHER = "other", _("Other")

    amenagement = models.ForeignKey(
        Amenagement,
        on_delete=models.CASCADE,
        related_name="manual_counts",
        verbose_name=_("arrangement"),
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    subject = models.CharField(_("what was counted"), max_length=20, choices=Subject.choices)
    count = models.PositiveIntegerField(_("count"))
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Where along the arrangement, if it matters (e.g. “at the school gate”)."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "-date", "-start_time", "subject"]
        verbose_name = _("manual count")
        verbose_name_plural = _("manual counts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="manualcount_end_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["amenagement", "date", "start_time", "end_time", "subject", "place"],
                name="manualcount_unique_session",
                violation_error_message=_("This counting session is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amenagement} {self.date} {self.get_subject_display()}: {self.count}"


class ImportRun(models.Model):
    """One import of a file: what it did, for the record and for the rejects download.

    A file uploaded on the import page is queued (`usage.queued`): its record is created at
    once, holding the file, and filled by the background job, which says how far it has read
    while it runs. The command line imports at once and records a finished run."""

    class Kind(models.TextChoices):
        PARIS_HOURLY = "paris_hourly", _("Paris official hourly export")
        READINGS = "readings", _("Counts (long CSV)")
        COUNTERS = "counters", _("Counters file")
        FIWARE = "fiware", _("FIWARE TrafficFlowObserved (JSON)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind of file"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=100)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("lines read"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    counters_created = models.PositiveIntegerField(_("counters created"), default=0)
    # The rejected lines as a CSV (the input's header, its columns, then line and reason), so
    # they can be corrected and imported again. Capped: see REJECTS_KEPT in the importer.
    rejects_csv = models.TextField(_("rejected lines"), blank=True)
    rejects_truncated = models.BooleanField(default=False)
    duration_s = models.FloatField(_("duration (s)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DONE
    )
    # Progress of a running import, written outside its transaction (`usage.queued`).
    lines_read = models.PositiveBigIntegerField(_("lines read so far"), default=0)
    # Why a queued import failed, in words for the staff (nothing was written).
    error = models.TextField(_("error"), blank=True)
    # The uploaded file, until its job has imported it (kept if the job fails).
    upload = models.BinaryField(_("uploaded file"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        name = self.file_name or self.source
        return f"{self.get_kind_display()} — {name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def pending(self) -> bool:
        """Queued or running: the report is not there yet."""
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
