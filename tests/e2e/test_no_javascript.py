"""Without JavaScript: the maps and the usage chart, drawn by scripts, leave no blank area; a
notice says they need JavaScript and points to the list or table with the same information."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.main_pages import city
from tests.participation import fixtures, opinion_fixtures

_fresh_rate_limits = fixtures._fresh_rate_limits
facilitator = fixtures.facilitator
member = fixtures.member
member2 = fixtures.member2
questions = opinion_fixtures.questions
safety = opinion_fixtures.safety
comfort = opinion_fixtures.comfort
__all__ = ["city"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_js(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_the_maps_say_they_need_javascript_and_point_to_the_list(live_server, no_js, city):
    page = no_js
    page.goto(live_server.url + reverse("pages:map"))
    expect(page.locator("#map")).to_be_hidden()
    notice = page.locator(".nojs-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("La carte a besoin de JavaScript.")
    notice.get_by_role("link").click()
    expect(page.locator("#results-count")).to_be_in_viewport()
    expect(page.locator("#results .amenagement-list a")).to_have_text([city.name])

    page.goto(live_server.url + reverse("pages:overview"))
    expect(page.locator("#overview-map")).to_be_hidden()
    expect(page.locator(".nojs-notice")).to_contain_text("La carte a besoin de JavaScript.")


def test_the_arrangement_page_has_no_blank_map_or_chart_area(live_server, no_js, city):
    page = no_js
    page.goto(live_server.url + city.get_absolute_url())
    expect(page.locator("#history-map")).to_be_hidden()
    expect(page.locator(".usage-chart")).to_be_hidden()
    notices = page.locator(".nojs-notice")
    expect(notices).to_have_count(2)
    expect(notices.nth(0).get_by_role("link")).to_have_attribute("href", "#versions-table")
    expect(notices.nth(1)).to_contain_text("les mêmes données sont dans le tableau ci-dessous")
    # The table holds the counts the chart would draw.
    page.locator(".usage-table summary").click()
    expect(page.locator(".usage-table tbody tr")).to_have_count(60)
