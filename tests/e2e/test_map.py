"""The public map in a real browser, on the Lyon demo data."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from amenagements.models import Amenagement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    return Amenagement.objects.count()


def expect_features_on_map(page, count: int) -> None:
    """The map has loaded `count` features and draws them. (Waits through `expect`: the
    page's CSP forbids the eval that `wait_for_function` would need.)"""
    expect(page.locator("#map")).to_have_attribute("data-feature-count", str(count))
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(count)


def test_map_loads_demo_data_filters_narrow_list_and_map_and_click_opens_summary(
    live_server, page, demo
):
    page.goto(live_server.url + "/")
    # The map draws every arrangement of the demo network.
    expect_features_on_map(page, demo)
    expect(page.get_by_role("heading", name=f"{demo} aménagements")).to_be_visible()

    # A filter narrows both the accessible list and the map, and lands in the URL.
    permanent = Amenagement.objects.filter(status="permanent").count()
    assert 0 < permanent < demo
    page.locator("a[data-filter='status'][data-value='permanent']").click()
    page.wait_for_url(re.compile(r"status=permanent"))
    expect(page.get_by_role("heading", name=f"{permanent} aménagements")).to_be_visible()
    expect_features_on_map(page, permanent)
    # Drawn in the colour of their status, the one of the legend and the badges (site.css).
    expect(page.locator("#map path[stroke='#047857']")).to_have_count(permanent)
    expect(page.locator("#results .badge.status-planned")).to_have_count(0)
    expect(page.locator("#results .badge.status-permanent")).to_have_count(50)  # a full page

    # Clicking an arrangement on the map opens its summary in the side panel.
    page.locator(".leaflet-overlay-pane path").first.click(force=True)
    summary = page.locator("#panel .summary")
    summary.wait_for()
    name = summary.locator("h2").inner_text()
    assert Amenagement.objects.filter(name=name, status="permanent").exists()
    link = summary.get_by_role("link", name="Voir l’aménagement et son historique")
    link.click()
    page.wait_for_url(re.compile(r"/amenagements/[\w-]+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == name
    page.get_by_role("heading", name="Historique des adaptations").wait_for()
    expect(page.locator("#history-map .leaflet-overlay-pane path").first).to_be_visible()
    # The current layout is drawn in the colour of a permanent arrangement.
    expect(page.locator("#history-map path[stroke='#047857'][stroke-width='6']")).to_have_count(1)
    # The history map keeps its size: the versions table below it does not overlap the timeline.
    versions = page.locator("table.versions").bounding_box()
    timeline = page.get_by_role("heading", name="Historique des adaptations").bounding_box()
    assert versions["y"] + versions["height"] <= timeline["y"]
    assert page.js_errors == []


def test_map_page_works_without_a_tile_server(live_server, page, demo):
    # Tests run with TACTIQUE_TILE_URL empty: the page says so and still draws the network.
    page.goto(live_server.url + "/")
    page.get_by_text("Le fond de carte est indisponible").wait_for()
    expect_features_on_map(page, demo)
