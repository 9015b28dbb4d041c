"""Shared stretches: one arrangement for the features of several lines that lie on the same street.

A network published one feature per line repeats a stretch that several lines share (the
Voies Lyonnaises 3, 4, 5 and 10 all run along « Quai Jaÿr Sud »: four features, one geometry).
On the ground it is one arrangement: residents rate it once, it is adapted once, it is evaluated
once. Rules (pure: no database):
- features of one file are one stretch when their geometries are equal within
  `GEOMETRY_TOLERANCE` (about 1 cm, vertex by vertex, or topologically equal) and they say the
  same kind, status, commune and last-seen date; features of one geometry that disagree on
  those are kept apart (the source describes different things, or one of them is wrong);
- the stretch keeps the first feature's identifier, properties and place in the report; the
  other features' identifiers go to `shared_ids` (each line's feature finds it again on the next
  snapshot), its opening date is the earliest, its name joins the names (`shared_name`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from amenagements.importing.geojson import SnapshotRecord

# Geometries closer than this (degrees, about 1 cm) are the same geometry redrawn.
GEOMETRY_TOLERANCE = 1e-7
# Coordinates rounded to this many decimals (about 10 cm) put candidate geometries in one bucket.
_BUCKET_DECIMALS = 6


def shared_name(names: Sequence[str]) -> str:
    """One name for a stretch shared by features named `names` (in the site's language).

    The words all names begin and end with are said once and what differs is listed between
    them, in natural order: « Voie Lyonnaise 3 — Quai Jaÿr Sud » and « Voie Lyonnaise 10 — Quai
    Jaÿr Sud » make « Voie Lyonnaise 3 et 10 — Quai Jaÿr Sud ». Names with nothing in common
    are listed whole. One name (or the same name repeated) is returned as it is.
    """
    distinct = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    words = [name.split(" ") for name in distinct]
    shortest = min(len(w) for w in words)
    prefix = 0
    while prefix < shortest and len({w[prefix] for w in words}) == 1:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and len({w[len(w) - 1 - suffix] for w in words}) == 1:
        suffix += 1
    middles = [" ".join(w[prefix : len(w) - suffix]) for w in words]
    if not all(middles) or not (prefix or suffix):
        middles, prefix, suffix = distinct, 0, 0
    listed = get_text_list(sorted(middles, key=_natural), _("and"))
    head = " ".join(words[0][:prefix])
    tail = " ".join(words[0][len(words[0]) - suffix :]) if suffix else ""
    return " ".join(part for part in (head, listed, tail) if part)


def _natural(text: str) -> list[tuple[int, int | str]]:
    """Sort key putting « 3 » before « 10 »."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


def stretches_merge(records: Sequence[SnapshotRecord]) -> tuple[list[SnapshotRecord], int]:
    """The records with each shared stretch made one record (module rules), in file order, and
    how many features were merged into another one's stretch."""
    buckets: dict[tuple[object, ...], list[list[SnapshotRecord]]] = {}
    order: list[list[SnapshotRecord]] = []
    for record in records:
        key = _bucket(record)
        groups = buckets.setdefault(key, [])
        for group in groups:
            if _same_stretch(group[0], record):
                group.append(record)
                break
        else:
            group = [record]
            groups.append(group)
            order.append(group)
    merged = [_one(group) for group in order]
    return merged, len(records) - len(merged)


def _bucket(record: SnapshotRecord) -> tuple[object, ...]:
    extent = tuple(round(c, _BUCKET_DECIMALS) for c in record.geom.extent)
    geom_type = record.geom.geom_type
    return (record.kind, record.status, record.commune, record.last_seen, geom_type, extent)


def _same_stretch(a: SnapshotRecord, b: SnapshotRecord) -> bool:
    return a.geom.equals_exact(b.geom, tolerance=GEOMETRY_TOLERANCE) or a.geom.equals(b.geom)


def _one(group: list[SnapshotRecord]) -> SnapshotRecord:
    first = group[0]
    if len(group) == 1:
        return first
    opened = [r.opened_on for r in group if r.opened_on is not None]
    first_seen = [r.first_seen for r in group if r.first_seen is not None]
    return dataclasses.replace(
        first,
        name=shared_name([r.name for r in group]),
        opened_on=min(opened, default=None),
        first_seen=min(first_seen, default=None),
        shared_ids=tuple(r.external_id for r in group[1:]),
        stretch_names=tuple(r.name for r in group),
    )
