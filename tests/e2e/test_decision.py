"""The services decide in public, in a real browser: a staff member runs the evaluation of an
arrangement residents find unsafe, opens the "adjust" proposal it makes, accepts it with a
public note, and the arrangement's timeline shows the planned adaptation linked to the
proposal.

Elements are found by form names, addresses and classes rather than French labels.
"""

import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import AdjustmentProposal
from participation.models import Contribution, Rating
from tests.jobs import run_worker
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unsafe(amenagement, adopted):
    """40 residents rate the arrangement's felt safety 1 or 2 out of 5 (target 3.5)."""
    adopted.panel.communes.add(amenagement.commune)
    version = amenagement.versions.get()
    start = Point(amenagement.geom.coords[0], srid=4326)
    for i in range(40):
        contribution = Contribution.objects.create(
            user=None, version=version, profiles=["cyclist"], point=start, position_m=10.0
        )
        Rating.objects.create(contribution=contribution, definition=adopted, value=1 + i % 2)
    return amenagement


def test_staff_run_the_evaluation_accept_a_proposal_and_the_timeline_shows_the_plan(
    page, live_server, unsafe
):
    agent = make_user("Agente", staff=True, superuser=True)
    page.goto(live_server.url + reverse("account_login"))
    page.locator("#id_login").fill(agent.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("participation:profile")) + "$"))

    page.goto(live_server.url + unsafe.get_absolute_url())
    run = reverse("evaluation:run", kwargs={"slug": unsafe.slug})
    page.locator(f"form[action='{run}'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"#evaluation$"))
    expect(page.locator("#evaluation")).to_contain_text("file d’attente")
    run_worker("evaluations")  # the evaluation is a background job
    page.reload()

    proposal = AdjustmentProposal.objects.get(action=AdjustmentProposal.Action.ADJUST)
    proposal_url = reverse("evaluation:proposal", kwargs={"slug": unsafe.slug, "pk": proposal.pk})
    page.locator(f"#evaluation a[href='{proposal_url}']").click()
    page.wait_for_url(re.compile(re.escape(proposal_url) + "$"))
    expect(page.locator("textarea[name=description]")).to_contain_text(proposal.rationale[:40])

    page.locator("input[name=decision][value=accept]").check()
    page.locator("textarea[name=note]").fill("Nous reprenons le tronçon signalé cet hiver.")
    page.locator(f"form[action='{proposal_url}'] button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(unsafe.get_absolute_url()) + "#evaluation$"))

    planned = page.locator(".timeline__event--planned")
    expect(planned).to_have_count(1)
    expect(planned.locator(f"a[href='{proposal_url}']")).to_be_visible()
    expect(page.locator("#evaluation")).to_contain_text(
        "Nous reprenons le tronçon signalé cet hiver."
    )
    assert page.js_errors == []
