"""The city overview of evaluations in a real browser: the map coloured by outcome follows the
filters, and the page reads on a phone."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import AdjustmentProposal
from tests.pages.test_overview import make, run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Action = AdjustmentProposal.Action


@pytest.fixture
def city(transactional_db):
    """Five arrangements: two to adjust, one to keep, one evaluated without proposal, one never
    evaluated."""
    run(make("Rue à ajuster", offset=0.00), actions=[Action.COLLECT_MORE_DATA, Action.ADJUST])
    run(make("Quai à ajuster", offset=0.01), actions=[Action.ADJUST])
    run(make("Cours à garder", offset=0.02), actions=[Action.KEEP_AND_MONITOR])
    run(make("Place sans proposition", offset=0.03))
    make("Pont jamais évalué", offset=0.04)


def expect_features(page, count: int) -> None:
    """The map has loaded and draws `count` features (waits through `expect`: the page's CSP
    forbids the eval that `wait_for_function` would need)."""
    expect(page.locator("#overview-map")).to_have_attribute("data-feature-count", str(count))
    expect(page.locator("#overview-map .leaflet-overlay-pane path")).to_have_count(count)


def test_the_map_is_coloured_by_outcome_and_follows_the_outcome_filter(live_server, page, city):
    page.goto(live_server.url + "/evaluations/")
    expect_features(page, 5)
    # Each outcome is drawn in the colour of its legend entry; the greys stay thin.
    adjust = page.locator("#overview-map path[stroke='#b35000']")
    expect(adjust).to_have_count(2)
    expect(adjust.first).to_have_attribute("stroke-dasharray", "10 4 2 4")
    expect(page.locator("#overview-map path[stroke='#3a87c8']")).to_have_count(1)
    expect(page.locator("#overview-map path[stroke-width='3']")).to_have_count(2)
    expect(page.locator(".overview-legend li[data-outcome]")).to_have_count(9)

    # An outcome link narrows the list and the map, and lands in the address.
    page.locator("a[data-filter='outcome'][data-value='adjust']").click()
    page.wait_for_url(re.compile(r"outcome=adjust"))
    expect(page.locator("#results [data-outcome-group]")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_have_count(2)
    expect_features(page, 2)

    # "All outcomes" brings everything back.
    page.locator("a[data-filter='outcome'][data-value='']").click()
    expect(page.locator("#results tbody tr")).to_have_count(5)
    expect_features(page, 5)

    # A row leads to the arrangement's evaluation section.
    page.locator("#results a[href$='#evaluation']").first.click()
    page.wait_for_url(re.compile(r"/amenagements/[\w-]+/#evaluation$"))
    expect(page.locator("#evaluation")).to_be_visible()
    assert page.js_errors == []


def test_without_a_tile_server_the_page_says_so_and_still_draws_the_outcomes(
    live_server, page, city
):
    # Tests run with TACTIQUE_TILE_URL empty.
    page.goto(live_server.url + "/evaluations/")
    expect(page.locator(".overview__map .map-notice")).to_be_visible()
    expect_features(page, 5)
    assert page.js_errors == []


def test_on_a_phone_the_map_comes_before_the_list_and_nothing_overflows(browser, live_server, city):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/evaluations/")
        expect(page.locator("#overview-map")).to_have_attribute("data-feature-count", "5")
        map_box = page.locator("#overview-map").bounding_box()
        list_box = page.locator("#results").bounding_box()
        assert map_box["y"] + map_box["height"] <= list_box["y"]
        assert list_box["x"] + list_box["width"] <= 390
        # Only the tables may scroll sideways (in their own box), never the page.
        expect(page.locator("html")).to_have_js_property("scrollWidth", 390)
    finally:
        context.close()
