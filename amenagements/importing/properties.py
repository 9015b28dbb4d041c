"""The text of a snapshot: the file's encoding, and its features' properties read as our fields.

- The file is UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is read as
  Windows-1252, reported once for the file.
- Mojibake inside string properties ("Ã©") is fixed with ftfy (its encoding fixes only) and
  reported, the property named.
- Property names match whatever their case, reported once per feature and name; a `null`
  beside the same name in another case does not hide its value.
- A value reads as one line of text, `null` as empty, 3.0 as "3".
- Kind and status values go through maps whose keys are compared with case, accents and
  separators folded; an empty or unknown value takes the default, reported (without a field
  to read, the default is taken silently).
- Dates are ISO (a date-time gives its date) or French DD/MM/YYYY; an unreadable one is left
  unknown, reported.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ftfy
from django.utils.translation import gettext_lazy as _

from amenagements.importing.report import Issue, Repair, SnapshotFileError
from amenagements.models import Amenagement
from common.text import fold

ERROR_MAP_SYNTAX = _("“%(item)s” is not of the form source_value=our_value.")
ERROR_MAP_VALUE = _("“%(value)s” is not one of: %(choices)s.")
ERROR_DATE_SYNTAX = _("“%(value)s” is not a date (YYYY-MM-DD).")

REPAIR_NOT_UTF8 = _("not UTF-8 (byte 0x%(byte)02X at position %(position)s): read as Windows-1252")
REPAIR_KEY_CASE = _("property “%(found)s” read as “%(wanted)s”")
REPAIR_MOJIBAKE = _("mis-encoded text in “%(key)s” fixed: “%(before)s” → “%(after)s”")
REPAIR_BAD_DATE = _("unreadable date “%(value)s” in “%(key)s”: left unknown")

K = Amenagement.Kind
S = Amenagement.Status


def _normalised_map(pairs: Mapping[str, str]) -> dict[str, str]:
    return {fold(key): value for key, value in pairs.items()}


# Source values → our values. Keys are compared once normalised (`common.text.fold`), and our own
# values are always accepted as they are.
KIND_MAP: dict[str, str] = _normalised_map(
    {
        **{value: value for value in K.values},
        # Voies Lyonnaises (cyclopolis) `type`.
        "bidirectionnelle": K.BIKE_LANE,
        "bilaterale": K.BIKE_LANE,
        "bandes-cyclables": K.BIKE_LANE,
        "voie-verte": K.GREENWAY,
        "velorue": K.BIKE_STREET,
        "voie-bus": K.BUS_LANE,
        "voie-bus-elargie": K.BUS_LANE,
        "zone-de-rencontre": K.SHARED_ZONE,
        "aucun": K.OTHER,
        "inconnu": K.OTHER,
        # Common French wording.
        "piste cyclable": K.BIKE_LANE,
        "pistes cyclables": K.BIKE_LANE,
        "piste cyclable temporaire": K.BIKE_LANE,
        "coronapiste": K.BIKE_LANE,
        "corona piste": K.BIKE_LANE,
        "bande cyclable": K.BIKE_LANE,
        "double sens cyclable": K.BIKE_LANE,
        "voie verte": K.GREENWAY,
        "rue cyclable": K.BIKE_STREET,
        "rue pietonne": K.PEDESTRIAN_STREET,
        "zone pietonne": K.PEDESTRIAN_STREET,
        "pietonnisation": K.PEDESTRIAN_STREET,
        "rue aux ecoles": K.SCHOOL_STREET,
        "rue scolaire": K.SCHOOL_STREET,
        "rue ecole": K.SCHOOL_STREET,
        "trottoir elargi": K.WIDENED_SIDEWALK,
        "elargissement de trottoir": K.WIDENED_SIDEWALK,
        "terrasse": K.TERRACE,
        "terrasse ephemere": K.TERRACE,
        "couloir bus": K.BUS_LANE,
        "voie de bus": K.BUS_LANE,
        "autre": K.OTHER,
    }
)
STATUS_MAP: dict[str, str] = _normalised_map(
    {
        **{value: value for value in S.values},
        # Voies Lyonnaises (cyclopolis) `statut`.
        "done": S.PERMANENT,
        "tested": S.TESTING,
        "wip": S.PLANNED,
        "planned": S.PLANNED,
        "postponed": S.PLANNED,
        "variante": S.PLANNED,
        "variante-postponed": S.PLANNED,
        "unknown": S.PLANNED,
        # Common French wording.
        "test": S.TESTING,
        "en test": S.TESTING,
        "experimentation": S.TESTING,
        "experimental": S.TESTING,
        "temporaire": S.TESTING,
        "provisoire": S.TESTING,
        "en evaluation": S.EVALUATION,
        "evaluation": S.EVALUATION,
        "perenne": S.PERMANENT,
        "perennise": S.PERMANENT,
        "perennisee": S.PERMANENT,
        "realise": S.PERMANENT,
        "realisee": S.PERMANENT,
        "definitif": S.PERMANENT,
        "projet": S.PLANNED,
        "en projet": S.PLANNED,
        "prevu": S.PLANNED,
        "a l'etude": S.PLANNED,
        "en travaux": S.PLANNED,
        "reporte": S.PLANNED,
        "supprime": S.REMOVED,
        "supprimee": S.REMOVED,
        "retire": S.REMOVED,
    }
)

# Only the encoding part of ftfy: its other fixes (curly quotes, ligatures…) would rewrite
# correct text and be reported as repairs.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


@dataclass(frozen=True)
class SnapshotMapping:
    """Which source properties hold what, and how their values translate to ours."""

    id_fields: tuple[str, ...] = ("id",)
    name_field: str | None = "name"
    # "Voie Lyonnaise {ligne} — {nom}": takes precedence over `name_field` when all its
    # placeholders have a value.
    name_template: str | None = None
    kind_field: str | None = None
    status_field: str | None = None
    # One kind, one status for every feature of the file (a file of removed lanes), whatever
    # the fields say: the file's own kind or status, given by the one who imports it.
    kind: str | None = None
    status: str | None = None
    opened_field: str | None = None
    # When the source saw the feature first and last (histories such as OpenStreetMap-derived
    # extracts keep features that disappeared, with the date they were last seen).
    first_seen_field: str | None = None
    last_seen_field: str | None = None
    commune_field: str | None = None
    default_commune: str = ""
    kind_map: Mapping[str, str] = field(default_factory=lambda: dict(KIND_MAP))
    status_map: Mapping[str, str] = field(default_factory=lambda: dict(STATUS_MAP))
    ignore_dates: frozenset[dt.date] = frozenset()
    # Forces the coordinates' SRID, whatever the file declares.
    srid: int | None = None
    # Properties computed from a feature's own before they are read (a national schema's two
    # sides read as one kind: `amenagements.importing.cyclables`); the feature's properties are
    # kept as they are.
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def value_map_parse(*, text: str, choices: Sequence[str]) -> dict[str, str]:
    """Parse "a=b,c=d" into {normalised a: b}; raise `SnapshotFileError` on a bad item."""
    result = {}
    for raw_item in text.split(","):
        item = raw_item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SnapshotFileError(ERROR_MAP_SYNTAX % {"item": item})
        value = value.strip()
        if value not in choices:
            raise SnapshotFileError(
                ERROR_MAP_VALUE % {"value": value, "choices": ", ".join(choices)}
            )
        result[fold(key)] = value
    return result


def dates_parse(*, texts: Sequence[str]) -> frozenset[dt.date]:
    """Parse ISO dates, each text possibly comma-separated; raise `SnapshotFileError`."""
    dates = set()
    for text in texts:
        for raw in text.split(","):
            if raw.strip():
                try:
                    dates.add(dt.date.fromisoformat(raw.strip()))
                except ValueError:
                    raise SnapshotFileError(ERROR_DATE_SYNTAX % {"value": raw.strip()}) from None
    return frozenset(dates)


def text_decode(data: bytes, repaired: list[Issue]) -> tuple[str, str]:
    """(text, encoding) of the file's bytes; a file read as Windows-1252 is added to `repaired`."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        # Files saved by Windows tools in France are Windows-1252 far more often than Latin-1;
        # the few bytes it leaves undefined become U+FFFD rather than stopping the import.
        repaired.append(
            Issue(
                None,
                "not_utf8",
                str(REPAIR_NOT_UTF8 % {"byte": data[exc.start], "position": exc.start}),
            )
        )
        return data.decode("cp1252", errors="replace"), "cp1252"


def mojibake_fix(properties: dict[str, Any], repair: Repair) -> dict[str, Any]:
    """The properties with mis-encoded strings fixed, each fix reported with its key."""
    fixed_properties = {}
    for key, value in properties.items():
        if isinstance(value, str) and (fixed := ftfy.fix_text(value, _FTFY_CONFIG)) != value:
            repair("mojibake", REPAIR_MOJIBAKE % {"key": key, "before": value, "after": fixed})
            value = fixed
        fixed_properties[key] = value
    return fixed_properties


class PropertyLookup:
    """Case-insensitive access to a feature's properties, reporting keys matched despite case."""

    def __init__(self, properties: dict[str, Any], repair: Repair) -> None:
        self._by_key: dict[str, tuple[str, Any]] = {}
        for key, value in properties.items():
            folded = key.casefold()
            # "Nom": null beside "nom": "X" must not hide the value.
            if folded not in self._by_key or self._by_key[folded][1] is None:
                self._by_key[folded] = (key, value)
        self._repair = repair
        self._reported: set[str] = set()

    def get(self, wanted: str) -> Any:
        found, value = self._by_key.get(wanted.casefold(), (wanted, None))
        if found != wanted and wanted not in self._reported:
            self._reported.add(wanted)
            self._repair("key_case", REPAIR_KEY_CASE % {"found": found, "wanted": wanted})
        return value


def as_text(value: Any) -> str:
    """A property value as one line of text; "" for null. 3.0 reads as "3", like 3."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(text.split())


_PLACEHOLDER_RE = re.compile(r"\{([^{}]+)\}")


def name_read(lookup: PropertyLookup, mapping: SnapshotMapping) -> str:
    """The template filled in if all its placeholders have a value, else the name field, or ""."""
    if mapping.name_template:
        values = {
            key: as_text(lookup.get(key)) for key in _PLACEHOLDER_RE.findall(mapping.name_template)
        }
        if all(values.values()):
            # Plain substitution, not str.format: the template comes from the command line.
            return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], mapping.name_template)
    if mapping.name_field:
        return as_text(lookup.get(mapping.name_field))
    return ""


def mapped_read(
    lookup: PropertyLookup,
    field_name: str | None,
    value_map: Mapping[str, str],
    default: str,
    messages: tuple[Any, Any],
    repair: Repair,
) -> tuple[str, str]:
    """(our value, the source's value) for a mapped property."""
    if not field_name:
        return default, ""
    no_value, unknown_value = messages
    value = as_text(lookup.get(field_name))
    if not value:
        repair("no_value", no_value % {"default": default})
        return default, ""
    mapped = value_map.get(fold(value))
    if mapped is None:
        repair("unknown_value", unknown_value % {"value": value, "default": default})
        return default, value
    return mapped, value


_FRENCH_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$")


def date_read(value: Any, key: str, repair: Repair) -> dt.date | None:
    """ISO date (or date-time: its date) or French DD/MM/YYYY; None if absent or unreadable."""
    text = as_text(value)
    if not text:
        return None
    try:
        if match := _FRENCH_DATE_RE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        repair("bad_date", REPAIR_BAD_DATE % {"value": text, "key": key})
        return None
