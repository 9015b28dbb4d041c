"""The keyboard alone, in a real browser: the map is one Tab stop and its lines none (the list
beside it is the keyboard path), a filter keeps the focus where it was, Enter on an arrangement
of the list opens it, and a resident signs in and rates an arrangement without a mouse.

Every step is a key press: `tab_to` presses Tab until the focus reaches the element wanted,
failing if it never does within a cycle of the page.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from participation.models import Rating
from tests.participation import fixtures, opinion_fixtures
from tests.participation.fixtures import PASSWORD, make_user

_fresh_rate_limits = fixtures._fresh_rate_limits
facilitator = fixtures.facilitator
member = fixtures.member
member2 = fixtures.member2
questions = opinion_fixtures.questions
safety = opinion_fixtures.safety
comfort = opinion_fixtures.comfort

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
    const a = document.activeElement;
    const text = (a.textContent || "").trim().slice(0, 40);
    return {tag: a.tagName.toLowerCase(), id: a.id, text: text};
}"""


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, *, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def tab_cycle(page, *, limit: int = 300) -> list[dict]:
    """Every Tab stop of the page, from the top back to the top."""
    page.locator("body").focus()
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stops and stop == stops[0]:
            return stops
        stops.append(stop)
    raise AssertionError("the Tab cycle never came back to its start")


def test_the_map_is_one_tab_stop_and_its_lines_none(live_server, page, network):
    page.goto(live_server.url + reverse("pages:map"))
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "4")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(4)
    stops = tab_cycle(page)
    tags = [stop["tag"] for stop in stops]
    assert "path" not in tags
    assert [stop["id"] for stop in stops].count("map") == 1
    # The list beside the map is the keyboard path: each arrangement is a link there.
    names = [stop["text"] for stop in stops if stop["tag"] == "a"]
    assert {"Rue A", "Rue B", "Rue C", "Place D"} <= set(names)
    # Leaflet's controls speak French.
    expect(page.locator("#map .leaflet-control-zoom-in")).to_have_attribute("title", "Zoom avant")
    expect(page.locator("#map .leaflet-control-zoom-out")).to_have_attribute(
        "aria-label", "Zoom arrière"
    )


def test_a_filter_keeps_the_focus_and_enter_opens_an_arrangement(live_server, page, network):
    page.goto(live_server.url + reverse("pages:map"))
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "4")
    permanent = "a[data-filter='status'][data-value='permanent']"
    tab_to(page, permanent)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"status=permanent"))
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "1")
    # The region was swapped: the focus is on the same filter in the new one, not on <body>.
    expect(page.locator(permanent)).to_be_focused()
    expect(page.locator(permanent)).to_have_attribute("aria-current", "true")
    # "All" of the same group, then the next Tab stops lead to the list.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "4")
    expect(page.locator("a[data-filter-clear='status']")).to_be_focused()

    tab_to(page, "#results .amenagement-list a[data-slug]")
    name = page.evaluate("() => document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/amenagements/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert page.js_errors == []


def test_a_resident_signs_in_and_rates_an_arrangement_with_the_keyboard_only(
    live_server, page, amenagement, safety, comfort
):
    resident = make_user("Clavier")
    page.goto(live_server.url + amenagement.get_absolute_url())
    # The invitation to sign in, then the sign-in form.
    tab_to(page, ".contribute__invite a[href^='/comptes/login/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/comptes/login/"))
    tab_to(page, "#id_login")
    page.keyboard.type(resident.email)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # Back on the arrangement the resident came from.
    page.wait_for_url(live_server.url + amenagement.get_absolute_url())

    for definition, value in ((safety, "4"), (comfort, "2")):
        tab_to(page, f"input[name=rating_{definition.pk}]")
        # Arrow keys move through a radio group and check the step reached.
        for _ in range(7):
            if focused_matches(page, f"input[value='{value}']:checked"):
                break
            page.keyboard.press("ArrowRight")
        expect(page.locator(f"input[name=rating_{definition.pk}][value='{value}']")).to_be_checked()
    tab_to(page, "input[name=profiles][value=cyclist]")
    page.keyboard.press("Space")
    tab_to(page, "textarea[name=comment]")
    page.keyboard.type("Au clavier seulement.")
    tab_to(page, "form.contribute-form button[type=submit][value=send]")
    page.keyboard.press("Enter")

    expect(page.locator(".contribute .message--success")).to_be_visible()
    ratings = Rating.objects.filter(contribution__user=resident)
    assert {r.definition_id: r.value for r in ratings} == {safety.pk: 4, comfort.pk: 2}
    assert ratings.first().contribution.comment == "Au clavier seulement."
    assert page.js_errors == []
