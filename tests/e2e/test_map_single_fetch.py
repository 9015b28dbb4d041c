"""The public map asks for its layer once when the page opens, then once per move of the view."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAYER = reverse("amenagements:geojson")


def open_map_counting_layer_requests(live_server, page, network) -> list[str]:
    """Open the map, and return the list (growing as the page goes on) of the layer's URLs
    it asks for."""
    layer_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            layer_requests.append(request.url) if urlsplit(request.url).path == LAYER else None
        ),
    )
    page.goto(live_server.url + "/")
    expect(page.locator("#map")).to_have_attribute("data-feature-count", str(len(network)))
    return layer_requests


def test_the_map_fetches_its_layer_once_on_load_and_again_by_bbox_after_a_pan(
    live_server, page, network
):
    layer_requests = open_map_counting_layer_requests(live_server, page, network)
    # Until the page is quiet for 500 ms: long after the fit's zoom animation (250 ms), which
    # used to start a second request for the same arrangements, by bbox.
    page.wait_for_load_state("networkidle")
    assert len(layer_requests) == 1
    assert "bbox" not in parse_qs(urlsplit(layer_requests[0]).query)

    # Drag the map from a corner (away from the arrangements): one request, for the new view.
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + 60, box["y"] + 60
    with page.expect_response(lambda r: urlsplit(r.url).path == LAYER) as response:
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 200, y + 120, steps=10)
        page.mouse.up()
    assert response.value.ok
    page.wait_for_timeout(600)  # room for a duplicate request, should there be one
    assert len(layer_requests) == 2
    assert "bbox" in parse_qs(urlsplit(layer_requests[1]).query)
    assert page.js_errors == []


def test_a_filter_fetches_the_layer_once_without_bbox(live_server, page, network):
    layer_requests = open_map_counting_layer_requests(live_server, page, network)
    page.wait_for_load_state("networkidle")

    page.locator("a[data-filter='status'][data-value='permanent']").click()
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "1")  # Rue B
    page.wait_for_timeout(600)  # past the fit's animation: room for a duplicate request
    assert len(layer_requests) == 2
    assert parse_qs(urlsplit(layer_requests[1]).query) == {"status": ["permanent"]}
    assert page.js_errors == []
