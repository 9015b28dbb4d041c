"""Staff forms: uploading a file of counts or counters, recording a manual count."""

from __future__ import annotations

import zoneinfo
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.forms import Form
from usage.importing import (
    PARIS_HOURLY_FORMAT,
    CountersFormat,
    ImportFileError,
    ReadingsFormat,
)
from usage.importing.fiware import FiwareRead, fiware_read
from usage.models import ImportRun, Length, ManualCount

ERROR_NOT_CSV = _(
    "“%(name)s” is not a CSV file: upload a text file (.csv or .txt) whose columns are "
    "separated by commas, semicolons or tabs."
)
ERROR_NOT_JSON_FILE = _(
    "“%(name)s” is not a JSON file: a FIWARE file of observations ends in .json, .jsonl or .ndjson."
)
ERROR_EMPTY_FILE = _("The file “%(name)s” is empty.")
ERROR_FILE_TOO_LARGE = _(
    "The file is too large: at most %(max)s MB can be sent at once. Split it into several "
    "files (by period, for example) and import each of them. Nothing was imported."
)
ERROR_TIME_ZONE = _("Unknown time zone “%(tz)s” (expected e.g. “Europe/Paris”).")
ERROR_END_BEFORE_START = _("The session must end after it starts.")

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
JSON_EXTENSIONS = (".json", ".jsonl", ".ndjson")
SEPARATORS = [
    ("", _("Guess from the first line")),
    (",", _("Comma ( , )")),
    (";", _("Semicolon ( ; )")),
    ("\t", _("Tab")),
    ("|", _("Vertical bar ( | )")),
]
PERIODS = [
    ("", _("From the column's name (datetime, date or month)")),
    (str(Length.HOUR.value), _("Hours")),
    (str(Length.DAY.value), _("Days")),
    (str(Length.MONTH.value), _("Months")),
]


def looks_like_csv(upload: UploadedFile[Any], extensions: tuple[str, ...] = CSV_EXTENSIONS) -> bool:
    """A text file with a CSV-like name (or one of `extensions`): no NUL byte in its first
    8 KiB."""
    if PurePath(upload.name or "").suffix.lower() not in extensions:
        return False
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    return b"\x00" not in head


def max_megabytes() -> int:
    """The upload limit of the import page, in MB (`TACTIQUE_IMPORT_MAX_BYTES`)."""
    return int(settings.TACTIQUE_IMPORT_MAX_BYTES // 1_000_000)


class ImportForm(Form):
    """One file and how to read it. The options of the other kinds of file are ignored."""

    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=ImportRun.Kind.choices,
        initial=ImportRun.Kind.READINGS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV file. Lines that cannot be read are listed afterwards; the others are kept."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        help_text=_(
            "The data provider (e.g. “paris”, “lyon”): counters are known by their identifier "
            "within it, so use the same source for a counters file and its counts."
        ),
    )
    attribution = forms.CharField(
        label=_("Attribution"),
        max_length=300,
        required=False,
        help_text=_("The licence and credit the data requires, shown with the charts."),
    )
    separator = forms.ChoiceField(label=_("Separator"), choices=SEPARATORS, required=False)

    # Counts (long CSV)
    counter_column = forms.CharField(label=_("Counter column"), initial="counter", max_length=100)
    time_column = forms.CharField(
        label=_("Period column"),
        required=False,
        max_length=100,
        help_text=_("Leave empty for a column named datetime, date or month."),
    )
    period = forms.ChoiceField(label=_("Periods"), choices=PERIODS, required=False)
    count_column = forms.CharField(label=_("Count column"), initial="count", max_length=100)
    date_format = forms.CharField(
        label=_("Date format"),
        required=False,
        max_length=50,
        # The example is not translated: its percent signs would read as placeholders.
        help_text=format_lazy(
            "{} 2020-03-29T02:00:00+01:00 ; {} %d/%m/%Y %H:%M",
            _("Leave empty for ISO 8601, e.g."),
            _("otherwise a format such as"),
        ),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        initial="Europe/Paris",
        max_length=60,
        help_text=_("Of the dates and times in the file that do not state their UTC offset."),
    )

    # Counters file
    id_column = forms.CharField(label=_("Identifier column"), initial="id", max_length=100)
    name_column = forms.CharField(label=_("Name column"), initial="name", max_length=100)
    lon_column = forms.CharField(label=_("Longitude column"), initial="lon", max_length=100)
    lat_column = forms.CharField(label=_("Latitude column"), initial="lat", max_length=100)
    installed_column = forms.CharField(
        label=_("Installation date column"), required=False, max_length=100
    )

    READINGS_FIELDS = (
        "counter_column",
        "time_column",
        "period",
        "count_column",
        "date_format",
        "time_zone",
    )
    COUNTERS_FIELDS = ("id_column", "name_column", "lon_column", "lat_column", "installed_column")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Options of another kind of file than the one chosen are not required.
        for name in (*self.READINGS_FIELDS, *self.COUNTERS_FIELDS):
            self.fields[name].required = False

    def clean_file(self) -> UploadedFile[Any]:
        upload: UploadedFile[Any] = self.cleaned_data["file"]
        if self.cleaned_data.get("kind") == ImportRun.Kind.FIWARE:
            if not looks_like_csv(upload, JSON_EXTENSIONS):
                raise forms.ValidationError(
                    ERROR_NOT_JSON_FILE, code="not_json", params={"name": upload.name}
                )
        elif not looks_like_csv(upload):
            raise forms.ValidationError(ERROR_NOT_CSV, code="not_csv", params={"name": upload.name})
        if (upload.size or 0) > settings.TACTIQUE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                ERROR_FILE_TOO_LARGE, code="too_large", params={"max": max_megabytes()}
            )
        if upload.size == 0:
            raise forms.ValidationError(
                ERROR_EMPTY_FILE, code="empty", params={"name": upload.name}
            )
        return upload

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip() or settings.TIME_ZONE
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                ERROR_TIME_ZONE, code="time_zone", params={"tz": name}
            ) from None
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A FIWARE file is read into a CSV of counts now: what is queued is that CSV.
        self.fiware: FiwareRead | None = None
        if data.get("kind") == ImportRun.Kind.FIWARE and data.get("file") is not None:
            try:
                self.fiware = fiware_read(data["file"], time_zone=settings.TIME_ZONE)
            except ImportFileError as error:
                self.add_error("file", str(error))
        return data

    def readings_file(self) -> Any:
        """The file of counts to import: the upload, or the CSV a FIWARE upload became."""
        return self.fiware.file if self.fiware is not None else self.cleaned_data["file"].file

    def readings_format(self) -> ReadingsFormat:
        data = self.cleaned_data
        if data["kind"] == ImportRun.Kind.PARIS_HOURLY:
            return PARIS_HOURLY_FORMAT
        if self.fiware is not None:
            return self.fiware.fmt
        return ReadingsFormat(
            counter_column=data["counter_column"].strip() or "counter",
            time_column=data["time_column"].strip() or None,
            count_column=data["count_column"].strip() or "count",
            period=Length(int(data["period"])) if data["period"] else None,
            delimiter=data["separator"] or None,
            date_format=data["date_format"].strip() or None,
            time_zone=data["time_zone"],
        )

    def counters_format(self) -> CountersFormat:
        data = self.cleaned_data
        return CountersFormat(
            id_column=data["id_column"].strip() or "id",
            name_column=data["name_column"].strip() or "name",
            lon_column=data["lon_column"].strip() or "lon",
            lat_column=data["lat_column"].strip() or "lat",
            installed_column=data["installed_column"].strip() or None,
            delimiter=data["separator"] or None,
        )


class ManualCountForm(Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    subject = forms.ChoiceField(label=_("What was counted"), choices=ManualCount.Subject.choices)
    count = forms.IntegerField(label=_("Count"), min_value=0)
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=200,
        help_text=_("Where along the arrangement, if it matters (e.g. “at the school gate”)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", forms.ValidationError(ERROR_END_BEFORE_START, code="order"))
        return data
