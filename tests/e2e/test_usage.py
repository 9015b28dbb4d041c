"""Usage data in a real browser: the chart of an arrangement's counter, and the counters layer."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from tests.usage.helpers import daily_csv, import_text, make_counter, north_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measured(amenagement):
    lon, lat = north_of(4.834, 45.76, 15)
    make_counter("C1", lon=lon, lat=lat, name="Compteur du quai")
    make_counter("FAR", lon=4.90, lat=45.70, name="Compteur lointain")
    counts = [800 + (i % 7) * 40 for i in range(40)] + [0] * 5 + [900] * 30
    import_text(daily_csv("C1", dt.date(2020, 4, 20), counts))
    return amenagement


def test_the_arrangement_page_draws_the_usage_chart_and_its_table(live_server, page, measured):
    page.goto(live_server.url + measured.get_absolute_url())

    chart = page.locator("[data-usage-chart]")
    expect(chart).to_have_attribute("data-chart-ready", "true")
    expect(chart.locator("canvas")).to_be_visible()
    # The table alternative opens on demand and holds one row per day.
    table = page.locator(".usage-table table")
    expect(table).to_be_hidden()
    page.locator(".usage-table summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(75)
    assert page.js_errors == []


def test_the_map_shows_the_counters_as_a_layer_of_their_own(live_server, page, measured):
    page.goto(live_server.url + "/")

    # The arrangements' pane still holds the arrangements only.
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "1")
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)
    expect(page.locator("#map")).to_have_attribute("data-counter-count", "2")
    expect(page.locator("#map .leaflet-counters-pane path")).to_have_count(2)
    # The layer control switches the counters off and on.
    page.get_by_label(_("Bike counters")).uncheck()
    expect(page.locator("#map .leaflet-counters-pane path")).to_have_count(0)
    assert page.js_errors == []
