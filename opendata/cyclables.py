"""The arrangements in the national *schéma des aménagements cyclables* (etalab 0.3.4), at
/donnees/amenagements-cyclables.geojson, for the Base nationale des aménagements cyclables.

Which arrangements: the lines of the kinds the schema describes (bike lanes, bike streets,
greenways, shared bus lanes, and pedestrian streets and shared zones as a regime) that are on
the ground: permanent (EN SERVICE), being tested or under evaluation (PROVISOIRE). Planned and
removed ones are left out, polygons too (the schema describes lines).
How: Tactique draws the arrangement itself, not the road's axis, so the facility is described as
the right side of its own line (`ame_d`, `statut_d`, `regime_d`) and the left side has none
(`ame_g` "AUCUN"); both sides' commune is the arrangement's (`code_com_d`, `code_com_g`);
`id_local` is Tactique's identifier (stable), `date_maj` the day it last changed. The name is
added as `nom`, a property outside the schema, so that a file read back keeps it
(`amenagements.importing.cyclables` reads this file without options).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement, Commune
from opendata.datasets import DATE, INTEGER, TEXT, Dataset, Field, table
from opendata.selectors import dataset_geojson

K = Amenagement.Kind
S = Amenagement.Status

AME: dict[str, str] = {
    K.BIKE_LANE: "PISTE CYCLABLE",
    K.BIKE_STREET: "VELO RUE",
    K.GREENWAY: "VOIE VERTE",
    K.BUS_LANE: "COULOIR BUS+VELO",
    K.PEDESTRIAN_STREET: "AUCUN",
    K.SHARED_ZONE: "AUCUN",
}
REGIME: dict[str, str] = {K.PEDESTRIAN_STREET: "AIRE PIETONNE", K.SHARED_ZONE: "ZONE DE RENCONTRE"}
STATUT: dict[str, str] = {
    S.PERMANENT: "EN SERVICE",
    S.TESTING: "PROVISOIRE",
    S.EVALUATION: "PROVISOIRE",
}


def _case(column: str, values: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{ours}' THEN '{theirs}'" for ours, theirs in values.items())
    return f"CASE {column} {whens} END"


def _quoted(values: dict[str, str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


A, C = table(Amenagement), table(Commune)
INSEE = "NULLIF(c.insee_code, '')"
PUBLISHER = "%(publisher)s"  # the setting, as an SQL literal when the file is written

CYCLABLES = Dataset(
    slug="amenagements-cyclables",
    title=_("Cycling facilities, national schema"),
    description=_("The bike arrangements in the schéma des aménagements cyclables."),
    fields=(
        Field("id_local", "a.slug", TEXT, _("Tactique's identifier of the arrangement (stable).")),
        Field("code_com_d", INSEE, TEXT, _("INSEE code of its commune.")),
        Field("code_com_g", INSEE, TEXT, _("INSEE code of its commune (the same).")),
        Field(
            "ame_d",
            _case("a.kind", AME),
            TEXT,
            _("Kind of facility: the arrangement itself, as the right side of its line."),
        ),
        Field("ame_g", "'AUCUN'", TEXT, _("AUCUN: Tactique draws the facility, not the road.")),
        Field(
            "regime_d",
            _case("a.kind", REGIME),
            TEXT,
            _("AIRE PIETONNE or ZONE DE RENCONTRE for those kinds."),
        ),
        Field(
            "statut_d",
            _case("a.status", STATUT),
            TEXT,
            _("EN SERVICE (permanent) or PROVISOIRE (being tested or evaluated)."),
        ),
        Field(
            "date_maj",
            "to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            DATE,
            _("Day the arrangement last changed."),
        ),
        Field("d_service", "extract(year FROM a.opened_on)::int", INTEGER, _("Year it opened.")),
        Field("source", PUBLISHER, TEXT, _("Publisher of the data.")),
        Field("nom", "a.name", TEXT, _("Name of the arrangement (outside the schema).")),
    ),
    source=(
        f"{A} a LEFT JOIN {C} c ON c.id = a.commune_id "
        f"WHERE a.kind IN ({_quoted(AME)}) AND a.status IN ({_quoted(STATUT)}) "
        "AND GeometryType(a.geom) IN ('LINESTRING', 'MULTILINESTRING')"
    ),
    order_by="a.slug",
    model=Amenagement,
    geometry="a.geom",
)


def _literal(text: str) -> str:
    """`text` as an SQL string literal (the publisher's name comes from a setting)."""
    return "'" + text.replace("'", "''") + "'"


def cyclables_geojson() -> Iterator[bytes]:
    """The national file, streamed."""
    publisher = _literal(settings.TACTIQUE_OPEN_DATA_PUBLISHER)
    fields = tuple(
        dataclasses.replace(f, sql=publisher) if f.sql == PUBLISHER else f for f in CYCLABLES.fields
    )
    return dataset_geojson(dataclasses.replace(CYCLABLES, fields=fields))


FIELD_DESCRIPTIONS = [(f.name, f.description) for f in CYCLABLES.fields]
