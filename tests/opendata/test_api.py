"""The read-only API (/api/v1/, opendata.api): lists, filters, pagination, ETags, documentation."""

import json

import pytest
from django.contrib.staticfiles import finders

from tests.amenagements.fixtures import make
from tests.opendata.conftest import PUBLISHED_COMMENT, SECRETS


def _get(client, path, **params):
    response = client.get(f"/api/v1/{path}", params)
    return response, (response.json() if response.status_code != 304 else None)


def test_arrangements_are_paginated_and_filtered_as_on_the_map(client, network):
    response, page = _get(client, "amenagements", page_size=2)
    assert response.status_code == 200
    assert page["count"] == 4
    assert [a["slug"] for a in page["items"]] == ["place-d", "rue-a"]
    _, second = _get(client, "amenagements", page_size=2, page=2)
    assert [a["slug"] for a in second["items"]] == ["rue-b", "rue-c"]
    assert _get(client, "amenagements", commune="villeurbanne")[1]["count"] == 1
    assert _get(client, "amenagements", status="permanent")[1]["items"][0]["slug"] == "rue-b"
    assert _get(client, "amenagements", kind="terrace")[1]["items"][0]["slug"] == "place-d"
    inside = _get(client, "amenagements", bbox="4.899,45.699,4.902,45.702")[1]
    assert [a["slug"] for a in inside["items"]] == ["place-d"]
    assert _get(client, "amenagements", since="2020-05-12")[1]["count"] == 0
    item = page["items"][1]
    assert item["geometry"]["type"] == "LineString"
    assert item["commune"] == {"slug": "lyon", "name": "Lyon", "insee_code": ""}
    assert item["url"] == "/amenagements/rue-a/"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"bbox": "1,2,3"}, 400),
        ({"since": "2021-01-02", "until": "2021-01-01"}, 400),
        ({"kind": "spaceship"}, 422),
        ({"commune": "lyon\x00"}, 422),
        ({"page": 0}, 422),
        ({"page_size": 1000}, 422),
    ],
)
def test_bad_parameters_are_refused_with_a_reason(client, db, params, status):
    response, body = _get(client, "amenagements", **params)
    assert response.status_code == status
    assert body["detail"]


def test_an_arrangement_comes_with_its_versions_adaptations_and_aggregated_opinions(
    client, open_city
):
    response, body = _get(client, f"amenagements/{open_city.amenagement.slug}")
    assert response.status_code == 200
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["valid_to"] == "2021-03-01"
    assert [a["kind"] for a in body["adaptations"]] == ["created", "extended"]
    assert body["adaptations"][1]["version"] == 2
    safety = next(o for o in body["opinions"] if o["indicator"] == "securite")
    assert (safety["version"], safety["ratings"], safety["mean"]) == (1, 3, 3.67)
    assert safety["distribution"] == [0, 1, 0, 1, 1]
    missing, body = _get(client, "amenagements/nulle-part")
    assert missing.status_code == 404
    assert body["detail"] == "Aucun aménagement ne porte cet identifiant."


def test_counters_and_their_totals(client, open_city):
    _, counters = _get(client, "compteurs", amenagement=open_city.amenagement.slug)
    (counter,) = counters["items"]
    assert counter["amenagements"] == [open_city.amenagement.slug]
    assert (counter["longitude"], counter["latitude"]) == (4.833, 45.7601)
    _, days = _get(client, f"compteurs/{counter['id']}/totaux-journaliers", since="2021-03-02")
    assert [(d["date"], d["complete"]) for d in days["items"]] == [
        ("2021-03-02", False),
        ("2021-03-03", True),
    ]
    _, months = _get(client, f"compteurs/{counter['id']}/totaux-mensuels")
    assert months["items"][0]["count"] == 3006
    assert _get(client, "compteurs/999999/totaux-journaliers")[0].status_code == 404


def test_proposals_and_usage_effects(client, open_city):
    _, proposals = _get(client, "propositions", status="accepted", commune="lyon")
    (proposal,) = proposals["items"]
    assert proposal["decision_note"] == "Pérennisée au conseil de mars."
    assert proposal["evaluation"] == open_city.run.pk
    assert _get(client, "propositions", status="rejected")[1]["count"] == 0
    _, effects = _get(client, "effets-usage", since="2021-01-01")
    (effect,) = effects["items"]
    assert (effect["percent_change"], effect["interval_low"], effect["interval_high"]) == (
        12.5,
        3.1,
        22.8,
    )
    assert effect["caveats"] == ["few_controls"]
    assert _get(client, "effets-usage", until="2020-12-31")[1]["count"] == 0


def test_answers_carry_an_etag_and_are_revalidated(client, network):
    response, _ = _get(client, "amenagements")
    etag = response["ETag"]
    assert "max-age=60" in response["Cache-Control"]
    again = client.get("/api/v1/amenagements", headers={"if-none-match": etag})
    assert again.status_code == 304
    make("Rue E", offset=0.03)
    changed = client.get("/api/v1/amenagements", headers={"if-none-match": etag})
    assert changed.status_code == 200


def test_a_page_costs_a_fixed_number_of_queries(
    client, open_city, network, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the count, the page
        _get(client, "amenagements")
    with django_assert_num_queries(3):  # the count, the page, the links
        _get(client, "compteurs")
    with django_assert_num_queries(4):  # the arrangement, versions, adaptations, opinions
        _get(client, f"amenagements/{open_city.amenagement.slug}")


def test_no_answer_holds_anything_personal(client, open_city):
    slug, counter = open_city.amenagement.slug, open_city.counter.pk
    for path in (
        "amenagements",
        f"amenagements/{slug}",
        "adaptations",
        "compteurs",
        f"compteurs/{counter}/totaux-journaliers",
        f"compteurs/{counter}/totaux-mensuels",
        "propositions",
        "effets-usage",
    ):
        response, body = _get(client, path)
        assert response.status_code == 200, path
        text = json.dumps(body, ensure_ascii=False)
        for secret in (*SECRETS, PUBLISHED_COMMENT):
            assert secret not in text, (path, secret)


def test_the_documentation_is_served_by_the_app_without_a_cdn(client, db):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("ninja/swagger-ui-bundle.js")
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/amenagements" in schema["paths"]


def test_the_map_endpoint_is_unchanged(client, network):
    body = client.get("/api/amenagements.geojson").json()
    assert set(body["features"][0]["properties"]) == {"slug", "name", "kind", "status"}
