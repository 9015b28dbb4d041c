"""The GeoJSON endpoint and the staff adaptation form, as a visitor and as staff would use them."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from tests.amenagements.fixtures import make

pytestmark = pytest.mark.django_db


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
