"""The map layer over HTTP: ETag revalidation, caching headers and gzip
(`common.caching.geojson_response` on `amenagements.views.geojson_view`)."""

import datetime as dt
import gzip
import json

import pytest
from django.urls import reverse

from amenagements import services
from amenagements.models import Adaptation, Amenagement
from tests.amenagements.fixtures import make

pytestmark = pytest.mark.django_db

URL = reverse("amenagements:geojson")


def get(client, params=None, **headers):
    return client.get(URL, params or {}, headers=headers)


def etag(client, params=None):
    response = get(client, params)
    assert response.status_code == 200
    return response["ETag"]


def test_the_layer_has_a_strong_etag_stable_across_identical_requests(client, network):
    first, second = get(client), get(client)
    assert first["ETag"].startswith('"')  # strong: uncompressed, the bytes are the tag's
    assert first["ETag"] == second["ETag"]
    assert first.content == second.content


def test_the_layer_may_be_cached_publicly_for_a_minute(client, network):
    response = get(client)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=60"}
    assert "Accept-Encoding" in response["Vary"]


def test_a_matching_if_none_match_gets_a_304_without_body(client, network):
    tag = etag(client)
    response = get(client, if_none_match=tag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag
    # What a cache needs to keep the stored layer: its lifetime and what it varies on.
    assert "max-age=60" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]


def test_a_stale_if_none_match_gets_the_layer(client, network):
    response = get(client, if_none_match='"not-the-current-tag"')
    assert response.status_code == 200
    assert len(json.loads(response.content)["features"]) == 4


def test_a_new_arrangement_changes_the_etag_and_the_old_one_no_longer_matches(client, network):
    before = etag(client)
    make("Rue E", offset=0.03)
    response = get(client, if_none_match=before)
    assert response.status_code == 200
    assert response["ETag"] != before
    assert "Rue E" in response.content.decode()


def test_an_adaptation_changing_the_status_changes_the_etag(client, network):
    before = etag(client)
    services.amenagement_adapt(
        amenagement=network[0],
        date=dt.date(2021, 5, 11),
        kind=Adaptation.Kind.MADE_PERMANENT,
        status=Amenagement.Status.PERMANENT,
    )
    assert etag(client) != before


def test_filters_and_bbox_give_their_own_etags(client, network):
    tags = {
        etag(client),
        etag(client, {"status": "permanent"}),
        etag(client, {"commune": "villeurbanne"}),
        etag(client, {"bbox": "4.825,45.75,4.838,45.77"}),
    }
    assert len(tags) == 4


def test_the_layer_is_gzipped_for_a_client_that_accepts_it(client, network):
    plain = get(client)
    zipped = get(client, accept_encoding="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert json.loads(gzip.decompress(zipped.content)) == json.loads(plain.content)
    # The compressed bytes are another representation: the same tag, weak (RFC 9110 8.8.1)...
    assert zipped["ETag"] == f"W/{plain['ETag']}"
    # ...which revalidates as well.
    response = get(client, if_none_match=zipped["ETag"], accept_encoding="gzip")
    assert response.status_code == 304


def test_a_malformed_bbox_is_not_cached(client, network):
    response = get(client, {"bbox": "4.8,45.7,oops"})
    assert response.status_code == 400
    assert "ETag" not in response
    assert "Cache-Control" not in response


def test_revalidation_takes_the_same_one_query(client, network, django_assert_num_queries):
    tag = etag(client)
    with django_assert_num_queries(1):
        assert get(client, if_none_match=tag).status_code == 304
