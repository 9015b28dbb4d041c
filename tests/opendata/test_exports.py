"""The open data page and its streamed downloads (opendata.views, selectors, datasets)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from opendata.datasets import DATASETS
from tests.opendata.conftest import PUBLISHED_COMMENT, SECRETS


def _body(response) -> str:
    assert response.streaming, "downloads are streamed"
    return b"".join(response.streaming_content).decode()


def _csv(client, slug):
    response = client.get(reverse("opendata:csv", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(_body(response))))


def _geojson(client, slug):
    response = client.get(reverse("opendata:geojson", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(_body(response))


def test_the_page_lists_every_data_set_with_its_links_licence_and_columns(client, settings):
    settings.TACTIQUE_OPEN_DATA_LICENCE = "ODbL 1.0"
    settings.TACTIQUE_OPEN_DATA_LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
    html = client.get(reverse("opendata:catalogue")).content.decode()
    assert "ODbL 1.0" in html
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/" rel="license"' in html
    for slug, dataset in DATASETS.items():
        assert f'href="/donnees/{slug}.csv"' in html
        assert (f'href="/donnees/{slug}.geojson"' in html) == dataset.has_geometry
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in html
    assert 'href="/donnees/amenagements-cyclables.geojson"' in html
    assert 'href="/api/v1/docs"' in html
    assert "Données ouvertes" in html  # French first


def test_arrangements_come_with_every_version_of_their_layout(client, open_city):
    rows = _csv(client, "amenagements")
    assert [(r["amenagement"], r["version"]) for r in rows] == [
        (open_city.amenagement.slug, "1"),
        (open_city.amenagement.slug, "2"),
    ]
    first, current = rows
    assert first["en_vigueur_du"] == "2020-05-11"
    assert first["en_vigueur_jusqu_au"] == "2021-03-01"
    assert current["en_vigueur_jusqu_au"] == ""
    assert current["statut"] == "testing"
    assert current["commune"] == "Lyon"
    assert 300 < float(first["longueur_m"]) < 320 < float(current["longueur_m"])
    assert current["geometrie_wkt"] == "LINESTRING(4.832 45.76,4.84 45.76)"


def test_the_geojson_of_the_versions_is_valid_with_its_licence(client, open_city, settings):
    settings.TACTIQUE_OPEN_DATA_LICENCE = "Licence Ouverte 2.0"
    document = _geojson(client, "amenagements")
    assert document["type"] == "FeatureCollection"
    assert document["licence"]["name"] == "Licence Ouverte 2.0"
    assert [f["properties"]["version"] for f in document["features"]] == [1, 2]
    assert document["features"][1]["geometry"] == {
        "type": "LineString",
        "coordinates": [[4.832, 45.76], [4.84, 45.76]],
    }


def test_a_name_with_quotes_and_a_newline_survives_both_formats(client, open_city):
    tricky = 'Rue "du Pont"\\n, dite\n« la piste »'
    type(open_city.amenagement).objects.filter(pk=open_city.amenagement.pk).update(name=tricky)
    assert {r["nom"] for r in _csv(client, "amenagements")} == {tricky}
    assert {f["properties"]["nom"] for f in _geojson(client, "amenagements")["features"]} == {
        tricky
    }


def test_adaptations_name_the_version_they_opened(client, open_city):
    rows = _csv(client, "adaptations")
    assert [(r["type_adaptation"], r["version_ouverte"]) for r in rows] == [
        ("created", "1"),
        ("extended", "2"),
    ]
    assert rows[1]["description"] == "Prolongée jusqu'au quai"


def test_counts_come_with_completeness_and_outages(client, open_city):
    counters = _csv(client, "compteurs")
    assert counters[0]["amenagements"] == open_city.amenagement.slug
    days = _csv(client, "comptages-journaliers")
    assert [(d["date"], d["complet"], d["en_panne"]) for d in days] == [
        ("2021-03-01", "t", "f"),
        ("2021-03-02", "f", "f"),
        ("2021-03-03", "t", "t"),
    ]
    months = _csv(client, "comptages-mensuels")
    assert months == [
        {
            "source": "lyon",
            "compteur": "C1",
            "mois": "2021-03",
            "comptage": "3006",
            "jours": "3",
            "jours_attendus": "31",
            "complet": "f",
        }
    ]
    points = _geojson(client, "compteurs")["features"]
    assert points[0]["geometry"] == {"type": "Point", "coordinates": [4.833, 45.7601]}


def test_ratings_are_published_only_as_aggregates(client, open_city):
    rows = _csv(client, "avis-par-indicateur")
    by_indicator = {r["indicateur"]: r for r in rows}
    # Alice's (deleted account), Bruno's (hidden comment) and Chloé's ratings all count.
    safety = by_indicator["securite"]
    assert (safety["notes"], safety["moyenne"]) == ("3", "3.67")
    assert [safety[f"notes_{i}"] for i in range(1, 6)] == ["0", "1", "0", "1", "1"]
    assert by_indicator["confort"]["notes"] == "1"
    assert "valeur" not in rows[0]
    assert "note" not in rows[0]


def test_effects_results_and_proposals_carry_intervals_caveats_and_decisions(client, open_city):
    (effect,) = _csv(client, "effets-usage")
    assert (
        effect["variation_pct"],
        effect["intervalle_bas_pct"],
        effect["intervalle_haut_pct"],
    ) == (
        "12.50",
        "3.10",
        "22.80",
    )
    assert effect["reserves"] == "few_controls"
    (result,) = _csv(client, "resultats-indicateurs")
    assert (result["resultat"], result["effectif"]) == ("met", "3")
    (proposal,) = _csv(client, "propositions")
    assert proposal["statut"] == "accepted"
    assert proposal["note_de_decision"] == "Pérennisée au conseil de mars."
    feature = _geojson(client, "propositions")["features"][0]
    assert feature["geometry"] is None  # no segment concerned


@pytest.mark.parametrize("slug", sorted(DATASETS))
def test_no_export_holds_anything_personal(client, open_city, slug):
    bodies = [_body(client.get(reverse("opendata:csv", args=[slug])))]
    if DATASETS[slug].has_geometry:
        bodies.append(_body(client.get(reverse("opendata:geojson", args=[slug]))))
    bodies.append(_body(client.get(reverse("opendata:cyclables"))))
    for body in bodies:
        for secret in (*SECRETS, PUBLISHED_COMMENT):
            assert secret not in body


def test_downloads_name_their_licence_and_are_cached_a_while(client, settings):
    settings.TACTIQUE_OPEN_DATA_LICENCE_URL = "https://example.org/licence"
    response = client.get(reverse("opendata:csv", args=["adaptations"]))
    assert response["Link"] == '<https://example.org/licence>; rel="license"'
    assert "max-age=300" in response["Cache-Control"]
    assert 'filename="tactique-adaptations.csv"' in response["Content-Disposition"]


def test_an_unknown_data_set_or_a_geojson_without_geometry_is_not_found(client, db):
    assert client.get("/donnees/inconnu.csv").status_code == 404
    assert client.get("/donnees/adaptations.geojson").status_code == 404


def test_an_export_costs_one_query_whatever_the_rows(client, open_city, django_assert_num_queries):
    for fetch in (_csv, _geojson):
        with django_assert_num_queries(4) as context:  # in a savepoint here (the test's)
            fetch(client, "amenagements")
        sqls = [q["sql"] for q in context.captured_queries]
        assert sqls[1] == "SET LOCAL jit = off"
        assert sqls[2].startswith("COPY (SELECT ")


@pytest.mark.parametrize("block_bytes", [1, 300, 64 * 1024])
def test_the_geojson_is_valid_however_its_rows_fall_into_blocks(
    client, open_city, monkeypatch, block_bytes
):
    monkeypatch.setattr("opendata.selectors.BLOCK_BYTES", block_bytes)
    features = _geojson(client, "amenagements")["features"]
    assert [f["properties"]["version"] for f in features] == [1, 2]
    rows = _csv(client, "amenagements")
    assert [r["version"] for r in rows] == ["1", "2"]
