"""Counts published in the national *schéma comptage des mobilités* (etalab: three CSV files,
`site`, `channel`, `measure`), imported through the usage import services.

The schema's files are turned into the two inputs the services already read — a counters file
(`usage.services.counters_import`) and long files of counts (`readings_import`) — so every rule
of those imports holds (idempotent, rollups, outages, links to the arrangements, each rejected
line with its reason). How the schema reads in Tactique:
- one **channel** is one Tactique counter (`Counter.external_id` = `channel_id`): a channel is
  one count series (one direction, one or several mobility types) at a site. Its position and
  commune are its site's (`xlong`, `ylat`, `fr_insee_code`); its name is the site's name and
  the channel's direction (`provider_direction_name`, else `direction`); `started_at` is its
  installation date; mobility types, direction, temporality and site are kept as properties;
- only channels counting bikes are imported (`mobility_type` holds BIKE, or `mobility_types`
  says otherwise): the evaluation reads a counter's counts as bikes. Others are reported;
- a **measure** is a count over [start_datetime, end_datetime) — or `start + time_step` of its
  channel when the end is empty. An hour (3600 s) is an hourly count; a local day (midnight to
  midnight, Europe/Paris, 23 to 25 hours) a daily count; shorter steps that divide an hour
  (e.g. 900 s) are summed into hours, and an hour is kept only when all its steps are there;
  any other period is rejected. An empty count means "not counted" and is skipped; a decimal
  count (interpolated, as the schema allows) is rounded to the nearest unit.
The measures file is read line by line; only sub-hourly steps are held, per hour being summed.
Rejected lines are reported with their line number in the file they come from (header = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zoneinfo
from array import array
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from usage import services
from usage.importing import CountersFormat, ImportFileError, ReadingsFormat, Reject
from usage.models import ImportRun, Length

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TIME_ZONE = zoneinfo.ZoneInfo("Europe/Paris")
HOUR = 3600
DAY = 86400

SITE_COLUMNS = ("site_id", "site_name", "xlong", "ylat")
CHANNEL_COLUMNS = ("channel_id", "site_id")
MEASURE_COLUMNS = ("channel_id", "start_datetime", "end_datetime", "count")


@dataclass
class ComptageReport:
    """What the import did: the counters' and the counts' import records, the channels left out
    (not counting the mobility types asked for), and every line rejected, by file."""

    counters_run: ImportRun | None = None
    readings_runs: list[ImportRun] = field(default_factory=list)
    channels_skipped: int = 0
    measures_skipped: int = 0
    rejects: dict[str, list[Reject]] = field(default_factory=dict)

    def reject(self, file: str, line: int, reason: str) -> None:
        self.rejects.setdefault(file, []).append(Reject(line, reason))


@dataclass(frozen=True)
class Channel:
    channel_id: str
    time_step: int | None


def _rows(
    file: IO[bytes], name: str, required: Collection[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a schema file, UTF-8 (BOM allowed), comma-separated as the schema
    says. Raises `ImportFileError` when a required column is missing."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(
                _("The %(file)s file has no column %(columns)s.")
                % {"file": name, "columns": ", ".join(f"“{c}”" for c in missing)}
            )
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    except UnicodeDecodeError:
        raise ImportFileError(_("The %(file)s file is not UTF-8 text.") % {"file": name}) from None
    finally:
        text.detach()


def _instant(text: str) -> dt.datetime | None:
    """An ISO 8601 date and time with its offset (or Z), as UTC; None if unreadable or naive."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None


def _local_midnight(moment: dt.datetime) -> bool:
    local = moment.astimezone(TIME_ZONE)
    return local.time() == dt.time(0)


def _count(text: str) -> int:
    value = float(text)
    if value < 0 or value != value:  # negative or NaN
        raise ValueError(text)
    return int(value + 0.5)


class _Output:
    """A long CSV file of counts being written, with each of its lines' source line number."""

    def __init__(self, directory: Path, name: str, time_column: str) -> None:
        self.path = directory / name
        self.file = self.path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.file)
        self.writer.writerow(["counter", time_column, "count"])
        self.sources = array("q", [0, 1])  # converted line → source line (header is line 1)
        self.rows = 0

    def write(self, source_line: int, counter: str, when: str, count: int) -> None:
        self.writer.writerow([counter, when, count])
        self.sources.append(source_line)
        self.rows += 1


def _sites(file: IO[bytes], report: ComptageReport) -> dict[str, dict[str, str]]:
    sites: dict[str, dict[str, str]] = {}
    for line, row in _rows(file, "site", SITE_COLUMNS):
        if not row["site_id"]:
            report.reject("site", line, _("no site_id"))
        elif row["site_id"] in sites:
            report.reject("site", line, _("site “%s” already described") % row["site_id"])
        else:
            sites[row["site_id"]] = row
    return sites


def _channels(
    file: IO[bytes],
    sites: dict[str, dict[str, str]],
    mobility_types: Collection[str],
    report: ComptageReport,
    counters_out: IO[str],
) -> tuple[dict[str, Channel], array[int]]:
    """The channels to import, written as a counters file; and its lines' source lines."""
    writer = csv.writer(counters_out)
    writer.writerow(
        ["id", "name", "lon", "lat", "installed", "site_id", "mobility_type", "direction",
         "temporality", "fr_insee_code"]
    )  # fmt: skip
    sources = array("q", [0, 1])
    channels: dict[str, Channel] = {}
    for line, row in _rows(file, "channel", CHANNEL_COLUMNS):
        channel_id, site = row["channel_id"], sites.get(row["site_id"])
        if not channel_id:
            report.reject("channel", line, _("no channel_id"))
            continue
        if site is None:
            report.reject("channel", line, _("unknown site “%s”") % row["site_id"])
            continue
        types = {t.strip() for t in row.get("mobility_type", "").split(",") if t.strip()}
        if not types & set(mobility_types):
            report.channels_skipped += 1
            continue
        try:
            step = int(float(row["time_step"])) if row.get("time_step") else None
        except ValueError:
            report.reject("channel", line, _("time_step “%s” is not a number") % row["time_step"])
            continue
        direction = row.get("provider_direction_name") or row.get("direction") or channel_id
        started = _instant(row.get("started_at", ""))
        writer.writerow(
            [
                channel_id,
                f"{site['site_name']} — {direction}",
                site["xlong"],
                site["ylat"],
                started.astimezone(TIME_ZONE).date().isoformat() if started else "",
                site["site_id"],
                ",".join(sorted(types)),
                row.get("direction", ""),
                row.get("temporality", ""),
                site.get("fr_insee_code", ""),
            ]
        )
        sources.append(line)
        channels[channel_id] = Channel(channel_id, step)
    return channels, sources


def _measures(
    file: IO[bytes],
    channels: dict[str, Channel],
    report: ComptageReport,
    hours: _Output,
    days: _Output,
) -> None:
    # Sub-hourly steps being summed: (channel, UTC hour) → [count, seconds, first line].
    partial: dict[tuple[str, dt.datetime], list[int]] = {}
    for line, row in _rows(file, "measure", MEASURE_COLUMNS):
        channel = channels.get(row["channel_id"])
        if channel is None:
            report.measures_skipped += 1  # a channel left out, or unknown (reported below)
            continue
        if not row["count"]:
            continue  # not counted: the schema's empty count
        start = _instant(row["start_datetime"])
        if start is None:
            report.reject(
                "measure",
                line,
                _("start_datetime “%s” is not a date and time with its offset")
                % row["start_datetime"],
            )
            continue
        end = _instant(row["end_datetime"]) if row["end_datetime"] else None
        if end is None and channel.time_step:
            end = start + dt.timedelta(seconds=channel.time_step)
        if end is None or end <= start:
            report.reject("measure", line, _("no end_datetime after the start, and no time_step"))
            continue
        try:
            count = _count(row["count"])
        except ValueError:
            report.reject("measure", line, _("count “%s” is not a number ≥ 0") % row["count"])
            continue
        seconds = int((end - start).total_seconds())
        if seconds == HOUR:
            hours.write(line, channel.channel_id, start.isoformat(), count)
        elif (
            _local_midnight(start)
            and _local_midnight(end)
            and (end.astimezone(TIME_ZONE).date() - start.astimezone(TIME_ZONE).date())
            == dt.timedelta(days=1)
        ):
            days.write(
                line, channel.channel_id, start.astimezone(TIME_ZONE).date().isoformat(), count
            )
        elif seconds < HOUR and HOUR % seconds == 0 and start.minute * 60 % seconds == 0:
            hour = start.replace(minute=0, second=0, microsecond=0)
            summed = partial.setdefault((channel.channel_id, hour), [0, 0, line])
            summed[0] += count
            summed[1] += seconds
        else:
            report.reject(
                "measure",
                line,
                _("a period of %s seconds is neither an hour, a day nor a part of an hour")
                % seconds,
            )
    for (channel_id, hour), (count, seconds, line) in sorted(partial.items()):
        if seconds == HOUR:
            hours.write(line, channel_id, hour.isoformat(), count)
        else:
            report.reject(
                "measure",
                line,
                _("incomplete hour (%s seconds counted of 3600): left out") % seconds,
            )


def _source_rejects(rejects: list[Reject], sources: array[int]) -> list[Reject]:
    return [Reject(sources[r.line] if r.line < len(sources) else r.line, r.reason) for r in rejects]


@transaction.atomic
def comptage_import(
    *,
    sites: IO[bytes],
    channels: IO[bytes],
    measures: IO[bytes],
    source: str,
    attribution: str = "",
    mobility_types: Collection[str] = ("BIKE",),
    recorded_by: User | None = None,
) -> ComptageReport:
    """Import the three files of the *schéma comptage des mobilités* from `source` (see the
    module's rules): counters first, then the hourly and daily counts, in one transaction.
    Raises `ImportFileError` (nothing written) when a file cannot be read as a whole."""
    report = ComptageReport()
    with tempfile.TemporaryDirectory(prefix="comptage-") as directory:
        folder = Path(directory)
        site_rows = _sites(sites, report)
        counters_path = folder / "counters.csv"
        with counters_path.open("w", newline="", encoding="utf-8") as counters_out:
            kept, counter_sources = _channels(
                channels, site_rows, mobility_types, report, counters_out
            )
        hours = _Output(folder, "hours.csv", "datetime")
        days = _Output(folder, "days.csv", "date")
        try:
            _measures(measures, kept, report, hours, days)
        finally:
            hours.file.close()
            days.file.close()
        if kept:
            with counters_path.open("rb") as file:
                done = services.counters_import(
                    file=file,
                    fmt=CountersFormat(installed_column="installed", delimiter=","),
                    source=source,
                    attribution=attribution,
                    file_name="channel.csv",
                    recorded_by=recorded_by,
                )
            report.counters_run = done.run
            if done.rejects:
                report.rejects.setdefault("channel", []).extend(
                    _source_rejects(done.rejects, counter_sources)
                )
        for output, period in ((hours, Length.HOUR), (days, Length.DAY)):
            if not output.rows:
                continue
            time_column = "datetime" if period == Length.HOUR else "date"
            with output.path.open("rb") as file:
                done = services.readings_import(
                    file=file,
                    fmt=ReadingsFormat(time_column=time_column, period=period, delimiter=","),
                    source=source,
                    attribution=attribution,
                    file_name="measure.csv",
                    recorded_by=recorded_by,
                )
            report.readings_runs.append(done.run)
            if done.rejects:
                report.rejects.setdefault("measure", []).extend(
                    _source_rejects(done.rejects, output.sources)
                )
    for rejects in report.rejects.values():
        rejects.sort(key=lambda r: r.line)
    return report
