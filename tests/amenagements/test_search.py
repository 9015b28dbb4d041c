"""Finding an arrangement by name or street, accents, case and a typo aside (`q` on the map's
filters: `amenagements.selectors`)."""

import json

import pytest
from django.urls import reverse

from amenagements.selectors import AmenagementFilters, amenagement_list
from tests.amenagements.fixtures import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets(db):
    make("Voie Lyonnaise 2 — Quai Perrache")
    make("Piste de l’avenue Berthelot", offset=0.01)
    make("Rue piétonne Mercière", offset=0.02)
    make("Coronapiste du boulevard", offset=0.03, commune="Lyon 4e Croix-Rousse")


def found(q: str) -> list[str]:
    return [a.name for a in amenagement_list(AmenagementFilters(q=q))]


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("perrache", ["Voie Lyonnaise 2 — Quai Perrache"]),
        ("Pérache", ["Voie Lyonnaise 2 — Quai Perrache"]),  # a typo, an accent
        ("merciere", ["Rue piétonne Mercière"]),
        ("avenue berthelot", ["Piste de l’avenue Berthelot"]),
        ("croix rousse", ["Coronapiste du boulevard"]),  # by its commune
        ("berthelot perrache", []),  # every word must match
        ("zzzz", []),
    ],
)
def test_the_search_finds_names_and_streets_despite_accents_and_typos(streets, q, names):
    assert found(q) == names


def test_an_empty_or_wordless_search_filters_nothing(streets):
    assert len(found("")) == len(found(" - ")) == 4


def test_the_map_layer_and_the_list_follow_the_search(client, streets):
    layer = json.loads(client.get(reverse("amenagements:geojson"), {"q": "perache"}).content)
    page = client.get(reverse("pages:map"), {"q": "perache"}).content.decode()

    assert [f["properties"]["name"] for f in layer["features"]] == [
        "Voie Lyonnaise 2 — Quai Perrache"
    ]
    assert "Quai Perrache" in page
    assert "Berthelot" not in page


def test_the_map_page_has_a_search_form_that_works_without_javascript(client, streets):
    page = client.get(reverse("pages:map"), {"q": "merciere", "kind": "bike_lane"})
    html = page.content.decode()

    assert 'role="search"' in html
    assert 'name="q" value="merciere"' in html
    assert '<input type="hidden" name="kind" value="bike_lane">' in html
    assert [a.name for a in page.context["page"].object_list] == ["Rue piétonne Mercière"]
