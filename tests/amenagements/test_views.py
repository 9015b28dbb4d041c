"""Public pages and the GeoJSON endpoint, as a visitor and as staff would use them."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import LineString, Polygon
from django.urls import reverse

from amenagements import services
from amenagements.models import Adaptation, Amenagement

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make(
    name,
    *,
    kind=Amenagement.Kind.BIKE_LANE,
    status=Amenagement.Status.TESTING,
    commune="Lyon",
    offset=0.0,
    geom=None,
):
    return services.amenagement_create(
        name=name,
        kind=kind,
        status=status,
        geom=geom or LineString((4.83 + offset, 45.76), (4.835 + offset, 45.761), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=services.commune_get_or_create(name=commune),
        opened_on=dt.date(2020, 5, 11),
    )


@pytest.fixture
def network():
    return [
        make("Rue A", offset=0.00),
        make("Rue B", offset=0.01, status=Amenagement.Status.PERMANENT),
        make("Rue C", offset=0.02, kind=Amenagement.Kind.PEDESTRIAN_STREET, commune="Villeurbanne"),
        make(
            "Place D",
            kind=Amenagement.Kind.TERRACE,
            geom=Polygon.from_bbox((4.90, 45.70, 4.901, 45.701)),
        ),
    ]


def geojson(client, **params):
    response = client.get(reverse("amenagements:geojson"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_geojson_is_a_feature_collection_of_the_arrangements(client, network):
    data = geojson(client)
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == [
        "Place D",
        "Rue A",
        "Rue B",
        "Rue C",
    ]
    rue_a = data["features"][1]
    assert rue_a["geometry"] == {
        "type": "LineString",
        "coordinates": [[4.83, 45.76], [4.835, 45.761]],
    }
    assert rue_a["properties"] == {
        "slug": "rue-a",
        "name": "Rue A",
        "kind": "bike_lane",
        "status": "testing",
    }
    assert data["features"][0]["geometry"]["type"] == "Polygon"


def test_geojson_of_an_empty_selection_is_an_empty_collection(client, network):
    assert geojson(client, kind="school_street") == {"type": "FeatureCollection", "features": []}


def test_geojson_filters_by_kind_status_commune_and_bbox(client, network):
    names = lambda data: [f["properties"]["name"] for f in data["features"]]  # noqa: E731
    assert names(geojson(client, status="permanent")) == ["Rue B"]
    assert names(geojson(client, kind="pedestrian_street")) == ["Rue C"]
    assert names(geojson(client, commune="villeurbanne")) == ["Rue C"]
    assert names(geojson(client, bbox="4.825,45.75,4.838,45.77")) == ["Rue A"]


def test_geojson_rejects_a_malformed_bbox_with_a_clear_message(client, network):
    response = client.get(reverse("amenagements:geojson"), {"bbox": "4.8,45.7,oops"})
    assert response.status_code == 400
    assert b"minlon,minlat,maxlon,maxlat" in response.content


def test_geojson_ignores_unknown_filter_values(client, network):
    assert len(geojson(client, kind="spaceship")["features"]) == 4


@pytest.mark.parametrize("count", [1, 30])
def test_geojson_takes_one_query_whatever_the_number_of_features(
    client, django_assert_num_queries, count
):
    for i in range(count):
        make(f"Rue {i}", offset=i * 0.001)
    with django_assert_num_queries(1):
        data = geojson(client)
    assert len(data["features"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_map_page_query_count_does_not_grow_with_the_list(client, django_assert_num_queries, count):
    for i in range(count):
        make(f"Rue {i}", offset=i * 0.001)
    # session-less visitor: paginator count, list, and the three facet counts.
    with django_assert_num_queries(5):
        response = client.get(reverse("amenagements:map"))
    assert response.status_code == 200


def test_map_page_lists_arrangements_in_french_with_filter_links(client, network):
    response = client.get(reverse("amenagements:map"))
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Carte des aménagements" in html
    assert "4 aménagements" in html
    assert 'href="?status=permanent"' in html
    assert 'href="/amenagements/rue-a/"' in html


def test_a_filter_link_works_without_javascript(client, network):
    response = client.get(reverse("amenagements:map"), {"commune": "villeurbanne"})
    html = response.content.decode()
    assert "<html" in html
    assert "1 aménagement" in html
    assert "Rue C" in html
    assert "Rue A" not in html


def test_htmx_filter_returns_only_the_results_fragment(client, network):
    response = client.get(reverse("amenagements:map"), {"status": "permanent"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="results"')
    assert 'data-query="status=permanent"' in html
    assert "Rue B" in html
    assert "Rue A" not in html


def test_summary_panel_is_a_fragment_linking_to_the_page(client, network):
    response = client.get(reverse("amenagements:summary", args=["rue-a"]), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert "Rue A" in html
    assert 'href="/amenagements/rue-a/"' in html


def test_summary_without_htmx_redirects_to_the_page(client, network):
    response = client.get(reverse("amenagements:summary", args=["rue-a"]))
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
    assert "1 mars 2021" in html
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
    html = client.get(reverse("amenagements:map")).content.decode()
    assert '<html lang="en">' in html
    assert "Map of arrangements" in html


def test_pages_send_a_csp_without_unsafe_inline(client, network):
    response = client.get(reverse("amenagements:map"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


# --- the staff adaptation page ------------------------------------------------------------


@pytest.fixture
def staff(db):
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    return user


def adapt_url(amenagement):
    return reverse("amenagements:adapt", args=[amenagement.slug])


def test_anonymous_visitor_is_sent_to_login(client, amenagement):
    response = client.get(adapt_url(amenagement))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("is_staff", [False, True])
def test_only_staff_with_the_permission_record_adaptations(client, amenagement, is_staff):
    user = User.objects.create_user("resident", password="pw", is_staff=is_staff)
    client.force_login(user)
    response = client.post(
        adapt_url(amenagement), {"date": "2021-01-01", "kind": "separated", "description": "x"}
    )
    assert response.status_code == 403
    assert amenagement.adaptations.count() == 1


def test_staff_records_an_adaptation_with_a_new_geometry(client, amenagement, staff):
    client.force_login(staff)
    assert client.get(adapt_url(amenagement)).status_code == 200
    new_line = {"type": "LineString", "coordinates": [[4.832, 45.76], [4.84, 45.7605]]}
    response = client.post(
        adapt_url(amenagement),
        {
            "date": "2021-06-01",
            "kind": "moved",
            "description": "Déplacée côté Rhône.",
            "geom": json.dumps(new_line),
        },
    )
    assert response.status_code == 302
    event = amenagement.adaptations.get(kind="moved")
    assert event.recorded_by == staff
    assert event.version.number == 2
    assert event.version.geom.coords == ((4.832, 45.76), (4.84, 45.7605))


def test_form_with_errors_keeps_what_was_typed(client, amenagement, staff):
    client.force_login(staff)
    response = client.post(
        adapt_url(amenagement),
        {"date": "2019-01-01", "kind": "separated", "description": "Potelets posés."},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Potelets posés." in html
    assert "2019-01-01" in html
    assert "2020-05-11" in html  # the error names the last event's date
    assert amenagement.adaptations.count() == 1


def test_french_is_shown_even_to_an_english_browser(client, network):
    html = client.get(reverse("amenagements:map"), HTTP_ACCEPT_LANGUAGE="en-US,en").content
    assert b'<html lang="fr">' in html
