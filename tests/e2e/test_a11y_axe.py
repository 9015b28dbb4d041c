"""axe-core over the main pages, as visitors, residents, moderators and staff see them: no
serious or critical WCAG 2.1 A/AA violation (RGAA 4 follows WCAG 2.1 AA), on a desktop and on a
390 px phone. The pages carry real content (`tests/e2e/main_pages.py`)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.main_pages import city, main_pages, visit_all
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


@pytest.mark.parametrize("width", [1280, 390])
def test_the_main_pages_have_no_serious_or_critical_axe_violation(
    live_server, browser, city, safety, width
):
    found = visit_all(
        browser,
        live_server.url,
        main_pages(city, safety.panel),
        lambda page, address: violations(page),
        viewport={"width": width, "height": 900},
    )
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_map_with_its_side_panel_open_has_no_serious_or_critical_violation(
    live_server, page, city
):
    page.goto(live_server.url + reverse("pages:map"))
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "1")
    page.locator("#map .leaflet-overlay-pane path").first.click(force=True)
    page.locator("#panel .summary").wait_for()
    assert violations(page) == []


def test_the_check_finds_a_violation_a_visitor_would_meet(live_server, page, amenagement):
    # The checker itself: an image without a text alternative and an unlabelled field fail it.
    page.goto(live_server.url + reverse("pages:map"))
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.append(document.createElement("img"));
            main.append(document.createElement("input"));
        }"""
    )
    rules = {v["rule"] for v in violations(page)}
    assert {"image-alt", "label"} <= rules
