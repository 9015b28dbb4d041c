"""The main pages on a 390 px phone: nothing wider than the screen (no sideways scrolling), the
evaluation's tables as stacked rows, and the pinning instructions on the map while pinning."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

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

PHONE = {"width": 390, "height": 844}

# What sticks out past the right edge of the screen (the deepest elements first), for the message.
OVERFLOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0 && !el.closest(".leaflet-container")) {
            const name = typeof el.className === "string" ? el.className.split(" ")[0] : "";
            wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                (name ? "." + name : "") + " right=" + Math.round(box.right));
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
            wide: wide.reverse().slice(0, 8)};
}"""


def test_no_main_page_is_wider_than_a_phone(live_server, browser, city, safety):
    found = visit_all(
        browser,
        live_server.url,
        main_pages(city, safety.panel),
        lambda page, address: page.evaluate(OVERFLOW),
        viewport=PHONE,
    )
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_evaluation_tables_are_stacked_rows_on_a_phone(live_server, browser, city):
    ctx = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = ctx.new_page()
    page.goto(live_server.url + city.get_absolute_url() + "#evaluation")
    table = page.locator("#evaluation table.stack-table").first
    expect(table).to_be_visible()
    cell = table.locator("tbody td[data-label]").first
    # Each cell is a line of its own, named by its column, within the screen.
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert cell.get_attribute("data-label") in label
    box = table.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    scroller = page.locator("#evaluation .table-scroll").first
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    ctx.close()


def test_the_pinning_instructions_are_on_the_map_while_pinning(live_server, browser, city):
    from tests.e2e.main_pages import people, sign_in

    ctx = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = ctx.new_page()
    sign_in(page, live_server.url, people()["resident"])
    page.goto(live_server.url + city.get_absolute_url())
    start = page.locator("[data-pin-start]")
    start.click()
    # The map is scrolled into view, and the instructions with it: on the map itself.
    hint = page.locator("#history-map [data-pin-map-hint]")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Cliquez sur l’aménagement sur la carte")
    expect(hint).to_be_in_viewport()
    # Its button places the spot at the centre of the map; the instructions go.
    hint.get_by_role("button").click()
    expect(page.locator("[data-pin-status]")).not_to_have_text("Aucun endroit placé.")
    expect(hint).to_have_count(0)
    ctx.close()


def test_the_answers_distribution_reads_line_by_line_on_a_phone(live_server, browser, city):
    """Each answer's words on one line above its bar (they wrapped one word per line, squeezed
    into a column beside the bar, before the results table was stacked)."""
    ctx = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = ctx.new_page()
    page.goto(live_server.url + city.get_absolute_url())
    labels = page.locator(".opinion-results .distribution__label")
    expect(labels.first).to_be_visible()
    shapes = labels.evaluate_all(
        """spans => spans.map(span => {
            const style = getComputedStyle(span);
            const bar = span.parentElement.querySelector("meter").getBoundingClientRect();
            const box = span.getBoundingClientRect();
            return {text: span.textContent, lines: box.height / parseFloat(style.lineHeight),
                    barBelow: bar.top >= box.bottom - 1, barWidth: bar.width};
        })"""
    )
    assert len(shapes) == 10  # five answers of each of the two questions
    for shape in shapes:
        assert shape["lines"] < 1.5, shape
        assert shape["barBelow"], shape
        assert shape["barWidth"] > PHONE["width"] / 2, shape
    ctx.close()
