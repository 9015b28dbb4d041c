"""A citizen panel decides an indicator in a real browser: a member proposes it (with the live
preview of the question), two other members endorse it, the facilitator adopts it, and it
appears in the public catalogue. Everyone signs in through the real login page.

Elements are found by their form names and addresses rather than their French labels, so the
test reads the same whatever the catalogue of translations holds.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import expect

from participation.models import IndicatorDefinition
from participation.panels import services as panel_services
from participation.profiles import services as profile_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un mot de passe solide 2026"
QUESTION = "Traverser le pont à vélo est-il agréable ?"


def person(pseudonym: str) -> User:
    email = f"{pseudonym.lower()}@example.org"
    user = User.objects.create_user(email, email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    profile_services.profile_set_pseudonym(user=user, pseudonym=pseudonym)
    return user


@pytest.fixture
def panel(transactional_db):
    facilitator = person("Dominique")
    panel = panel_services.panel_create(
        name="Panel du pont Lafayette",
        quorum=2,
        min_endorsement_percent=60,
        facilitators=[facilitator],
    )
    for name in ("Alice", "Bruno", "Chloe"):
        panel_services.membership_add(panel=panel, user=person(name), by=facilitator)
    return panel


def sign_in(page, base: str, pseudonym: str) -> None:
    page.goto(base + reverse("account_login"))
    page.locator("#id_login").fill(f"{pseudonym.lower()}@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("participation:profile")) + "$"))


def sign_out(page) -> None:
    page.locator(".logout-form button").click()
    expect(page.locator(f"a[href='{reverse('account_login')}']")).to_be_visible()


def endorse(page, url: str, expected_count: int) -> None:
    page.goto(url)
    page.locator("button[name=position][value=endorse]").click()
    # htmx swaps the tally in place.
    expect(page.locator("#deliberation .tally")).to_have_attribute(
        "data-tally-endorsements", str(expected_count)
    )
    expect(page.locator("button[name=position][value=endorse]")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_members_propose_endorse_and_the_facilitator_adopts_into_the_catalogue(
    live_server, page, panel
):
    base = live_server.url

    # Alice proposes an indicator; the preview shows the question as residents will see it.
    sign_in(page, base, "Alice")
    page.goto(base + panel.get_absolute_url())
    page.locator(f"a[href='{reverse('participation:propose', args=[panel.slug])}']").click()
    page.locator("#id_code").fill("agrement-pont")
    page.locator("#id_name").fill("Agrément du pont")
    page.locator("input[name=kind][value=perception]").check()
    page.locator("#id_question").fill(QUESTION)
    expect(page.locator("#preview legend")).to_have_text(QUESTION)
    page.locator("#id_label_5").fill("Très agréable")
    expect(page.locator("#preview")).to_contain_text("Très agréable")
    page.locator("#id_unit").fill("/ 5")
    page.locator("#id_target").fill("3.5")
    page.locator("input[name=applicable_kinds][value=bike_lane]").check()
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(re.compile(r"/propositions/\d+/$"))
    proposal_url = page.url
    definition = IndicatorDefinition.objects.get(code="agrement-pont")
    assert definition.status == "proposed"
    assert definition.scale_labels[4] == "Très agréable"
    sign_out(page)

    # Bruno and Chloé endorse it.
    for count, name in enumerate(("Bruno", "Chloe"), start=1):
        sign_in(page, base, name)
        endorse(page, proposal_url, count)
        sign_out(page)

    # Dominique, the facilitator, adopts it: the rule (2 stances, 60 %) is met.
    sign_in(page, base, "Dominique")
    page.goto(proposal_url)
    expect(page.locator(".rule-status--met")).to_be_visible()
    page.locator("form[action$='/adopter/'] button").click()
    page.wait_for_url(re.compile(r"/indicateurs/agrement-pont/v1/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agrément du pont")

    # It is in the public catalogue, for everyone.
    sign_out(page)
    page.goto(base + reverse("indicators:catalogue"))
    entry = page.locator(".catalogue .card", has_text="Agrément du pont")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text(QUESTION)
    expect(entry).to_contain_text(panel.name)
    definition.refresh_from_db()
    assert (definition.status, definition.version) == ("adopted", 1)
    assert page.js_errors == []
