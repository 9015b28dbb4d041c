"""Files in the national *schéma des aménagements cyclables* (etalab, version 0.3.x), read
without options: `import_amenagements FILE --source NAME` recognises them (`is_cyclables`)
and reads them with `cyclables_mapping`.

The schema describes a road axis and the facility on each side of it: `ame_d` / `ame_g` (kind of
facility on the right / left), `regime_d` / `regime_g` (traffic regime), `statut_d` /
`statut_g` (in service, temporary, in works), `code_com_d` / `code_com_g` (INSEE codes),
`id_local` (the producer's identifier), `date_maj`. Tactique has one kind and one status per
arrangement, so:
- the kind is the right side's facility, or the left side's when the right has none ("AUCUN",
  "AUTRE" or empty); a side with no facility in a pedestrian area or a shared zone reads as a
  pedestrian street or a shared zone;
- the status is that side's `statut_*` (the older single `statut_ame` otherwise):
  EN SERVICE → permanent, PROVISOIRE → being tested, EN TRAVAUX → planned;
- the commune is the one whose INSEE code is `code_com_d` (or `_g`, or the older `code_com`),
  among the communes already known; an unknown code leaves the commune empty (the code stays
  in the source properties);
- the name is the non-standard `nom` property when present (Tactique's own export writes it),
  else the remarks (`comm`), else built from the identifier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from amenagements.importing.properties import (
    KIND_MAP,
    STATUS_MAP,
    SnapshotMapping,
    _normalised_map,
    as_text,
    text_decode,
)
from amenagements.models import Amenagement
from common.text import fold

K = Amenagement.Kind
S = Amenagement.Status

# The schema's values of `ame_d` / `ame_g`, and of `regime_*` for a side without facility.
AME_KINDS: dict[str, str] = {
    "PISTE CYCLABLE": K.BIKE_LANE,
    "BANDE CYCLABLE": K.BIKE_LANE,
    "DOUBLE SENS CYCLABLE PISTE": K.BIKE_LANE,
    "DOUBLE SENS CYCLABLE BANDE": K.BIKE_LANE,
    "DOUBLE SENS CYCLABLE NON MATERIALISE": K.BIKE_LANE,
    "VOIE VERTE": K.GREENWAY,
    "VELO RUE": K.BIKE_STREET,
    "COULOIR BUS+VELO": K.BUS_LANE,
    "RAMPE": K.OTHER,
    "GOULOTTE": K.OTHER,
    "AMENAGEMENT MIXTE PIETON VELO HORS VOIE VERTE": K.OTHER,
    "CHAUSSEE A VOIE CENTRALE BANALISEE": K.OTHER,
    "ACCOTEMENT REVETU HORS CVCB": K.OTHER,
    "AUCUN": K.OTHER,
    "AUTRE": K.OTHER,
}
REGIME_KINDS: dict[str, str] = {
    "AIRE PIETONNE": K.PEDESTRIAN_STREET,
    "ZONE DE RENCONTRE": K.SHARED_ZONE,
}
STATUTS: dict[str, str] = {
    "EN SERVICE": S.PERMANENT,
    "PROVISOIRE": S.TESTING,
    "EN TRAVAUX": S.PLANNED,
}
NO_FACILITY = {"", "aucun", "autre"}

# Derived properties, read by the mapping below; never stored.
KIND_KEY = "tactique:type"
STATUS_KEY = "tactique:statut"
NAME_KEY = "tactique:nom"
COMMUNE_KEY = "tactique:commune"


def is_cyclables(data: bytes) -> bool:
    """Whether the file is a FeatureCollection whose features carry the schema's `ame_d` or
    `ame_g` and `id_local` (any case). Reading errors are left to the import, which reports
    them: such a file is simply not recognised here."""
    try:
        document = json.loads(text_decode(data, [])[0])
    except ValueError:
        return False
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return False
    for feature in features[:10]:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            keys = {key.casefold() for key in properties}
            if "id_local" in keys and keys & {"ame_d", "ame_g"}:
                return True
    return False


def _get(properties: Mapping[str, Any], key: str) -> str:
    for name, value in properties.items():
        if name.casefold() == key:
            return as_text(value)
    return ""


def _side(properties: Mapping[str, Any]) -> str:
    """ "d" or "g": the side whose facility describes the arrangement."""
    if fold(_get(properties, "ame_d")) in NO_FACILITY and (
        fold(_get(properties, "ame_g")) not in NO_FACILITY
    ):
        return "g"
    return "d"


def derive(properties: dict[str, Any], communes: Mapping[str, str]) -> dict[str, Any]:
    """The feature's properties with Tactique's kind, status, name and commune added (see the
    module's docstring)."""
    side = _side(properties)
    kind = _get(properties, f"ame_{side}")
    if fold(kind) in NO_FACILITY:
        regime = _get(properties, f"regime_{side}") or _get(properties, f"regime_v_{side}")
        if fold(regime) in {fold(r) for r in REGIME_KINDS}:
            kind = regime
    status = _get(properties, f"statut_{side}") or _get(properties, "statut_ame")
    code = (
        _get(properties, f"code_com_{side}")
        or _get(properties, "code_com_d")
        or _get(properties, "code_com_g")
        or _get(properties, "code_com")
    )
    return {
        **properties,
        KIND_KEY: kind,
        STATUS_KEY: status,
        NAME_KEY: _get(properties, "nom") or _get(properties, "comm"),
        COMMUNE_KEY: communes.get(code, ""),
    }


def cyclables_mapping(*, communes: Mapping[str, str], srid: int | None = None) -> SnapshotMapping:
    """How to read a file of the national schema; `communes` maps INSEE codes to the names of
    the communes already known."""
    return SnapshotMapping(
        id_fields=("id_local",),
        name_field=NAME_KEY,
        kind_field=KIND_KEY,
        status_field=STATUS_KEY,
        commune_field=COMMUNE_KEY,
        kind_map={**KIND_MAP, **_normalised_map({**AME_KINDS, **REGIME_KINDS})},
        status_map={**STATUS_MAP, **_normalised_map(STATUTS)},
        srid=srid,
        derive=lambda properties: derive(properties, communes),
    )
