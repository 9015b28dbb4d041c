"""Counters files: every counter of a source, read line by line (they are small). No database.

- The id, name, longitude and latitude columns are required (`CountersFormat` names them); the
  installation date is optional; every other non-empty column is kept as a property.
- A line stopping before one of the required columns, with an empty id, a bad position or a bad
  installation date is rejected, and so is a line repeating an id seen on an earlier line (the
  first one wins). An empty name is the id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from usage.importing.csvtext import (
    CsvText,
    close_rows,
    column_index,
    field_at,
    open_rows,
    optional_column_index,
    sniff,
)
from usage.importing.formats import CounterInfo, CountersFormat
from usage.importing.messages import (
    ERROR_DECODE,
    REJECT_COLUMNS,
    REJECT_DUPLICATE_COUNTER,
    REJECT_EMPTY,
    ImportFileError,
    Reject,
)
from usage.importing.values import parse_installed, parse_lon_lat


@dataclass
class CountersRead:
    counters: list[CounterInfo]
    rejects: list[Reject]
    lines: int
    csv_text: CsvText


def counters_read(file: IO[bytes], fmt: CountersFormat) -> CountersRead:
    """Every counter of a counters file; a line repeating an id already seen is rejected."""
    csv_text = sniff(file, fmt.delimiter)
    header = csv_text.header
    id_index = column_index(header, fmt.id_column)
    name_index = column_index(header, fmt.name_column)
    lon_index = column_index(header, fmt.lon_column)
    lat_index = column_index(header, fmt.lat_column)
    installed_index = optional_column_index(header, fmt.installed_column)
    used = {id_index, name_index, lon_index, lat_index, installed_index}
    extra = {name: i for i, name in enumerate(header) if i not in used and name.strip()}
    counters: list[CounterInfo] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    lines = 0
    text, reader = open_rows(file, csv_text)
    try:
        for fields in reader:
            if not fields:
                continue
            lines += 1
            line = reader.line_num
            info = _counter_line(
                fields, id_index, name_index, lon_index, lat_index, installed_index, fmt
            )
            if isinstance(info, str):
                rejects.append(Reject(line, info))
                continue
            if info.external_id in seen:
                rejects.append(
                    Reject(
                        line,
                        str(
                            REJECT_DUPLICATE_COUNTER
                            % {"value": info.external_id, "line": seen[info.external_id]}
                        ),
                    )
                )
                continue
            seen[info.external_id] = line
            info.properties = {
                name: fields[i].strip()
                for name, i in extra.items()
                if i < len(fields) and fields[i].strip()
            }
            counters.append(info)
    except UnicodeDecodeError:
        raise ImportFileError(ERROR_DECODE % {"line": reader.line_num + 1}) from None
    finally:
        close_rows(text)
    return CountersRead(counters=counters, rejects=rejects, lines=lines, csv_text=csv_text)


def _counter_line(
    fields: list[str],
    id_index: int,
    name_index: int,
    lon_index: int,
    lat_index: int,
    installed_index: int | None,
    fmt: CountersFormat,
) -> CounterInfo | str:
    if len(fields) <= max(id_index, name_index, lon_index, lat_index):
        return str(REJECT_COLUMNS % {"found": len(fields), "expected": "?"})
    external_id = fields[id_index].strip()
    if not external_id:
        return str(REJECT_EMPTY % {"column": fmt.id_column})
    position = parse_lon_lat(fields[lon_index], fields[lat_index])
    if isinstance(position, str):
        return position
    installed = (
        parse_installed(field_at(fields, installed_index)) if installed_index is not None else None
    )
    if isinstance(installed, str):
        return installed
    return CounterInfo(
        external_id=external_id,
        name=fields[name_index].strip() or external_id,
        lon=position[0],
        lat=position[1],
        installed_on=installed,
    )
