"""The national standards: the *schéma des aménagements cyclables* out (opendata.cyclables) and
in (amenagements.importing.cyclables, through `import_amenagements` without options), and the
*schéma comptage des mobilités* in (opendata.comptage). On small samples written from the
published schemas (tests/opendata/samples/)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Polygon
from django.core.management import call_command
from django.urls import reverse

from amenagements import services
from amenagements.models import Amenagement, Commune
from opendata.comptage import comptage_import
from tests.amenagements.fixtures import make
from usage.models import Counter, DailyTotal, Length, Reading

SAMPLES = Path(__file__).parent / "samples"
K, S = Amenagement.Kind, Amenagement.Status

# From the schema (etalab/schema-amenagements-cyclables 0.3.4, schema_amenagements_cyclables.json).
REQUIRED = {"id_local", "code_com_d", "code_com_g", "ame_d", "ame_g"}
AME = {
    "PISTE CYCLABLE", "BANDE CYCLABLE", "DOUBLE SENS CYCLABLE PISTE", "DOUBLE SENS CYCLABLE BANDE",
    "DOUBLE SENS CYCLABLE NON MATERIALISE", "VOIE VERTE", "VELO RUE", "COULOIR BUS+VELO", "RAMPE",
    "GOULOTTE", "AMENAGEMENT MIXTE PIETON VELO HORS VOIE VERTE",
    "CHAUSSEE A VOIE CENTRALE BANALISEE", "ACCOTEMENT REVETU HORS CVCB", "AUCUN", "AUTRE",
}  # fmt: skip
REGIME = {
    "ZONE 30", "AIRE PIETONNE", "ZONE DE RENCONTRE", "EN AGGLOMERATION", "HORS AGGLOMERATION",
    "AUTRE",
}  # fmt: skip
STATUT = {"EN TRAVAUX", "EN SERVICE", "PROVISOIRE"}


@pytest.fixture
def lyon_communes(db):
    for name, code in (("Lyon 1er", "69381"), ("Lyon 3e", "69383")):
        Commune.objects.create(name=name, slug=name.lower().replace(" ", "-"), insee_code=code)


def _import(path, source, capsys):
    call_command("import_amenagements", str(path), "--source", source, "--as-of", "2024-10-01")
    return capsys.readouterr().out


def test_a_national_file_is_imported_without_options(lyon_communes, capsys):
    out = _import(SAMPLES / "amenagements-cyclables.geojson", "bnac", capsys)
    assert "Fichier au schéma national des aménagements cyclables" in out
    got = {
        a.external_id: (a.kind, a.status, a.commune.name if a.commune else "", a.name)
        for a in Amenagement.objects.select_related("commune")
    }
    assert got == {
        "69381-AC-001": (K.BIKE_LANE, S.PERMANENT, "Lyon 1er", "Rue de la République"),
        "69381-AC-002": (K.BIKE_STREET, S.TESTING, "Lyon 1er", "Rue Mercière"),
        "69383-AC-003": (K.BUS_LANE, S.PERMANENT, "Lyon 3e", "Sans nom (69383-AC-003)"),
        # No facility on the right: the left side's greenway, in works.
        "69383-AC-004": (K.GREENWAY, S.PLANNED, "Lyon 3e", "Berges du Rhône"),
        "69381-AC-005": (K.SHARED_ZONE, S.PERMANENT, "Lyon 1er", "Place des Jacobins"),
    }
    # The source's properties are kept as they came, nothing derived added.
    kept = Amenagement.objects.get(external_id="69381-AC-001").source_properties
    assert kept["ame_d"] == "PISTE CYCLABLE"
    assert not any(k.startswith("tactique") for k in kept)


def test_a_mapping_option_turns_the_detection_off(lyon_communes, capsys):
    path = SAMPLES / "amenagements-cyclables.geojson"
    call_command(
        "import_amenagements", str(path), "--source", "bnac", "--id-field", "id_local",
        "--kind-field", "ame_d",
    )  # fmt: skip
    assert "schéma" not in capsys.readouterr().out
    assert (
        Amenagement.objects.get(external_id="69381-AC-001").status == S.PLANNED
    )  # no status field


def _cyclables(client):
    response = client.get(reverse("opendata:cyclables"))
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))


def test_the_export_follows_the_national_schema(client, lyon_communes, settings):
    settings.TACTIQUE_OPEN_DATA_PUBLISHER = "Métropole d'essai"
    lyon = Commune.objects.get(insee_code="69381")
    make("Piste A", status=S.PERMANENT, commune="Lyon 1er")
    make("Vélorue B", kind=K.BIKE_STREET, offset=0.01, commune="Lyon 1er")
    make("Zone C", kind=K.SHARED_ZONE, offset=0.02, status=S.EVALUATION, commune="Lyon 1er")
    make("Projet D", status=S.PLANNED, offset=0.03)
    make("Ancienne E", status=S.REMOVED, offset=0.04)
    make("Terrasse F", kind=K.TERRACE, offset=0.05)
    make("Place G", kind=K.PEDESTRIAN_STREET, geom=Polygon.from_bbox((4.9, 45.7, 4.901, 45.701)))
    document = _cyclables(client)
    features = {f["properties"]["id_local"]: f for f in document["features"]}
    assert set(features) == {"piste-a", "velorue-b", "zone-c"}
    for feature in features.values():
        p = feature["properties"]
        assert set(p) >= REQUIRED
        assert p["ame_d"] in AME
        assert p["ame_g"] in AME
        assert p["statut_d"] in STATUT
        assert p["regime_d"] is None or p["regime_d"] in REGIME
        assert p["code_com_d"] == p["code_com_g"] == lyon.insee_code
        assert dt.date.fromisoformat(p["date_maj"])
        assert p["source"] == "Métropole d'essai"
        assert feature["geometry"]["type"] == "LineString"
    assert features["piste-a"]["properties"]["ame_d"] == "PISTE CYCLABLE"
    assert features["piste-a"]["properties"]["statut_d"] == "EN SERVICE"
    assert features["velorue-b"]["properties"]["ame_d"] == "VELO RUE"
    assert features["velorue-b"]["properties"]["statut_d"] == "PROVISOIRE"
    zone = features["zone-c"]["properties"]
    assert (zone["ame_d"], zone["regime_d"]) == ("AUCUN", "ZONE DE RENCONTRE")


def test_an_exported_file_reads_back_as_it_was(client, lyon_communes, tmp_path, capsys):
    made = [
        make("Piste A", status=S.PERMANENT, commune="Lyon 1er"),
        make("Vélorue B", kind=K.BIKE_STREET, offset=0.01, commune="Lyon 1er"),
        services.amenagement_create(
            name="Couloir C",
            kind=K.BUS_LANE,
            status=S.TESTING,
            geom=LineString((4.85, 45.75), (4.86, 45.751), srid=4326),
            date=dt.date(2021, 1, 4),
            commune=Commune.objects.get(insee_code="69383"),
        ),
    ]
    path = tmp_path / "amenagements-cyclables.geojson"
    path.write_text(json.dumps(_cyclables(client)))
    _import(path, "retour", capsys)
    back = {
        a.external_id: (a.name, a.kind, a.status, a.commune_id)
        for a in Amenagement.objects.filter(external_source="retour")
    }
    assert back == {a.slug: (a.name, a.kind, a.status, a.commune_id) for a in made}


def _comptage(**kwargs):
    with (
        (SAMPLES / "site.csv").open("rb") as sites,
        (SAMPLES / "channel.csv").open("rb") as channels,
        (SAMPLES / "measure.csv").open("rb") as measures,
    ):
        return comptage_import(
            sites=sites, channels=channels, measures=measures, source="lyon-comptage", **kwargs
        )


def test_counts_in_the_national_schema_are_imported(db):
    report = _comptage()
    counters = {c.external_id: c for c in Counter.objects.all()}
    assert set(counters) == {"LY-SAXE-N", "LY-QUAI-S", "LY-QUAI-J"}  # pedestrians left out
    assert report.channels_skipped == 1
    saxe = counters["LY-SAXE-N"]
    assert saxe.name == "Avenue de Saxe — Vers la Part-Dieu"
    assert (saxe.location.x, saxe.location.y) == (4.84521, 45.75783)
    assert saxe.installed_on == dt.date(2021, 3, 1)
    assert saxe.source_properties["mobility_type"] == "BIKE"
    hours = {
        (r.counter.external_id, r.start): r.count
        for r in Reading.objects.filter(length=Length.HOUR).select_related("counter")
    }
    utc = dt.UTC
    assert hours == {
        ("LY-SAXE-N", dt.datetime(2021, 3, 1, 7, tzinfo=utc)): 312,
        ("LY-SAXE-N", dt.datetime(2021, 3, 1, 8, tzinfo=utc)): 254,
        ("LY-SAXE-N", dt.datetime(2021, 3, 1, 9, tzinfo=utc)): 101,  # end from the time step
        # Four quarter-hours summed (30.4 rounded); the incomplete next hour left out.
        ("LY-QUAI-S", dt.datetime(2021, 3, 29, 6, tzinfo=utc)): 110,
    }
    days = {d.date: d.count for d in DailyTotal.objects.filter(counter=counters["LY-QUAI-J"])}
    assert days == {dt.date(2021, 3, 27): 1500, dt.date(2021, 3, 28): 1210}  # 23-hour day
    assert [(r.line, r.reason) for r in report.rejects["measure"]] == [
        (6, "start_datetime « le 1er mars » n’est pas une date et heure avec son décalage"),
        (12, "heure incomplète (900 secondes comptées sur 3600) : écartée"),
        (15, "count « -3 » n’est pas un nombre ≥ 0"),
    ]


def test_importing_the_same_files_again_changes_nothing(db):
    _comptage()
    again = _comptage()
    assert sum(run.inserted + run.updated for run in again.readings_runs) == 0
    assert again.counters_run.counters_created == 0
    assert Reading.objects.count() == 6


def test_the_command_imports_the_three_files(db, capsys):
    call_command(
        "import_comptage",
        str(SAMPLES / "site.csv"),
        str(SAMPLES / "channel.csv"),
        str(SAMPLES / "measure.csv"),
        "--source",
        "lyon-comptage",
    )
    out = capsys.readouterr().out
    assert "measure, rejected — line 6" in out or "measure, rejeté" in out
    assert Counter.objects.count() == 3
