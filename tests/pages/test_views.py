"""The public map, an arrangement's page and its summary, as a visitor would use them."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse

from amenagements import services
from amenagements.models import Adaptation
from pages import views
from tests.amenagements.fixtures import HTMX, make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 30])
def test_map_page_query_count_does_not_grow_with_the_list(client, django_assert_num_queries, count):
    for i in range(count):
        make(f"Rue {i}", offset=i * 0.001)
    # session-less visitor: paginator count, list, the three facet counts and the data sources.
    with django_assert_num_queries(6):
        response = client.get(reverse("pages:map"))
    assert response.status_code == 200


def test_map_page_lists_arrangements_in_french_with_filter_links(client, network):
    response = client.get(reverse("pages:map"))
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Carte des aménagements" in html
    assert "4 aménagements" in html
    assert 'href="?status=permanent"' in html
    assert 'href="/amenagements/rue-a/"' in html


def test_a_filter_link_works_without_javascript(client, network):
    response = client.get(reverse("pages:map"), {"commune": "villeurbanne"})
    html = response.content.decode()
    assert "<html" in html
    assert "1 aménagement" in html
    assert "Rue C" in html
    assert "Rue A" not in html


def test_htmx_filter_returns_only_the_results_fragment(client, network):
    response = client.get(reverse("pages:map"), {"status": "permanent"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="results"')
    assert 'data-query="status=permanent"' in html
    assert "Rue B" in html
    assert "Rue A" not in html


def test_pages_of_the_list_keep_the_filters(client, network, monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 1)
    html = client.get(reverse("pages:map"), {"commune": "lyon"}).content.decode()
    assert 'href="?commune=lyon&amp;page=2" hx-get="?commune=lyon&amp;page=2"' in html
    page2 = client.get(reverse("pages:map"), {"commune": "lyon", "page": 2}, **HTMX)
    html = page2.content.decode()
    assert 'href="?commune=lyon&amp;page=1"' in html
    assert 'href="?commune=lyon&amp;page=3"' in html
    assert "Rue C" not in html  # in Villeurbanne
    # Without filters, a page link is the page alone.
    assert 'href="?page=2"' in client.get(reverse("pages:map")).content.decode()


def test_summary_panel_is_a_fragment_linking_to_the_page(client, network):
    response = client.get(reverse("pages:summary", args=["rue-a"]), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert "Rue A" in html
    assert 'href="/amenagements/rue-a/"' in html


def test_summary_without_htmx_redirects_to_the_page(client, network):
    response = client.get(reverse("pages:summary", args=["rue-a"]))
    assert response.status_code == 302
    assert response["Location"] == "/amenagements/rue-a/"


def test_detail_page_shows_facts_versions_and_timeline(client, network):
    amenagement = network[0]
    services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.EXTENDED,
        description="Prolongée jusqu'au pont.",
        geom=LineString((4.83, 45.76), (4.84, 45.762), srid=4326),
    )
    response = client.get(amenagement.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Prolongée jusqu&#x27;au pont." in html
    assert "Prolongé" in html  # the adaptation kind, in French
    assert "1er mars 2021" in html  # « 1er », the French ordinal
    # Two versions in the history map's data, the second one current.
    start = html.index('id="versions-geojson"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    versions = json.loads(payload)["features"]
    assert sorted((v["properties"]["number"], v["properties"]["current"]) for v in versions) == [
        (1, False),
        (2, True),
    ]
    assert "Longueur" in html


def test_detail_page_of_unknown_arrangement_is_404(client, db):
    assert client.get("/amenagements/nope/").status_code == 404


def test_english_is_available(client, network):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("pages:map")).content.decode()
    assert '<html lang="en">' in html
    assert "Map of arrangements" in html


def test_pages_send_a_csp_without_unsafe_inline(client, network):
    response = client.get(reverse("pages:map"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_french_is_shown_even_to_an_english_browser(client, network):
    html = client.get(reverse("pages:map"), HTTP_ACCEPT_LANGUAGE="en-US,en").content
    assert b'<html lang="fr">' in html
