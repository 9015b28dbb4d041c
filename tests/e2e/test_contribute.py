"""Residents' opinions in a real browser.

A resident signs up through the real sign-up page and follows the link of the verification
email (Django's outbox: the live server runs in this process), rates an arrangement from the
map's side panel, pins a spot by clicking the map, and sees the summary change. Then a resident
reports a comment from the arrangement page and a moderator hides it from the queue.

Elements are found by form names, data- attributes and addresses rather than their French
labels, so the tests read the same whatever the catalogue of translations holds.
"""

import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from participation.contributions import moderation
from participation.models import CommentStatus, Contribution, ModerationLogEntry
from tests.jobs import run_worker
from tests.participation import fixtures, opinion_fixtures
from tests.participation.fixtures import PASSWORD, make_user
from tests.participation.opinion_fixtures import submit

# The participation tests' fixtures, for this module: people and the panel's adopted questions
# (`questions`, `safety`, `comfort`), and the autouse one that empties the rate-limit counters.
_fresh_rate_limits = fixtures._fresh_rate_limits
facilitator = fixtures.facilitator
member = fixtures.member
member2 = fixtures.member2
questions = opinion_fixtures.questions
safety = opinion_fixtures.safety
comfort = opinion_fixtures.comfort

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RUDE = "Ce commentaire insulte les riverains."


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + reverse("account_login"))
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("participation:profile")) + "$"))


def sign_out(page) -> None:
    page.locator(".logout-form button").click()
    expect(page.locator(f"a[href='{reverse('account_login')}']")).to_be_visible()


def settled_box(locator):
    """The element's box once the map stopped moving (fitBounds animates the zoom)."""
    previous = None
    for _ in range(50):
        box = locator.bounding_box() if locator.count() else None
        if box is not None and box == previous:
            return box
        previous = box
        time.sleep(0.1)
    raise AssertionError("the map did not settle")


def test_a_resident_signs_up_rates_from_the_map_pins_a_spot_and_sees_the_summary_change(
    live_server, page, amenagement, safety, comfort
):
    base = live_server.url

    # Sign up through the real page; the verification email arrives in Django's outbox.
    page.goto(base + reverse("account_signup"))
    page.locator("#id_email").fill("zoe@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_pseudonym").fill("Zoé")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/comptes/confirm-email/$"))
    run_worker("emails")
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("participation:profile")) + "$"))

    # On the map, the arrangement opens in the side panel with the opinion form.
    page.goto(base + reverse("pages:map"))
    expect(page.locator("#map")).to_have_attribute("data-feature-count", "1")
    page.locator("#map .leaflet-overlay-pane path").first.click(force=True)
    panel = page.locator("#panel")
    felt_safety = panel.locator("[data-indicator=securite]")
    expect(felt_safety.locator("[data-n]")).to_have_text("0")

    panel.locator(f"input[name=rating_{safety.pk}][value='4']").check()
    panel.locator(f"input[name=rating_{comfort.pk}][value='2']").check()
    panel.locator("input[name=profiles][value=cyclist]").check()
    panel.locator("textarea[name=comment]").fill("Le carrefour du milieu est dangereux.")

    # Pin mode: the map zooms to the arrangement; a click on it places the snapped spot.
    panel.locator("[data-pin-start]").click()
    expect(panel.locator("[data-pin-start]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#map")).to_have_class(re.compile("map--pinning"))
    box = settled_box(page.locator("#map .leaflet-overlay-pane path").first)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(panel.locator("[data-pin-status]")).to_contain_text(" m ")
    expect(panel.locator("[data-pin-start]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#map .pin-marker")).to_have_count(1)
    assert panel.locator("input[name=point_lon]").input_value() != ""

    panel.locator("form.contribute-form button[type=submit]").click()

    # The panel says thank you, and its summary now counts the rating.
    expect(panel.locator(".message--success")).to_be_visible()
    expect(felt_safety.locator("[data-n]")).to_have_text("1")
    expect(felt_safety.locator("[data-mean]")).to_have_text(re.compile(r"4[,.]0"))
    expect(panel.locator(f"input[name=rating_{safety.pk}][value='4']")).to_be_checked()

    contribution = Contribution.objects.get()
    assert contribution.user.profile.pseudonym == "Zoé"
    assert contribution.profiles == ["cyclist"]
    assert dict(contribution.ratings.values_list("definition_id", "value")) == {
        safety.pk: 4,
        comfort.pk: 2,
    }
    # The click was in the middle of the 312 m line; the spot is snapped onto it.
    assert contribution.point.y == pytest.approx(45.76, abs=1e-5)
    assert 120 < contribution.position_m < 190

    # The arrangement page shows the comment with its numbered spot.
    page.goto(base + amenagement.get_absolute_url())
    expect(page.locator("#avis-items")).to_contain_text("Le carrefour du milieu est dangereux.")
    expect(page.locator("#history-map")).to_have_attribute("data-pin-count", "1")
    assert page.js_errors == []


def test_a_resident_reports_a_comment_and_a_moderator_hides_it(
    live_server, page, amenagement, safety
):
    base = live_server.url
    author = make_user("Auteur")
    rude = submit(author, amenagement, ratings={safety.pk: 1}, comment=RUDE).contribution
    for name in ("Lecteur1", "Lecteur2"):
        moderation.report_create(contribution=rude, reporter=make_user(name), reason="abuse")
    make_user("Bruno")
    moderator = make_user("Modo")
    group, _created = Group.objects.get_or_create(name=settings.TACTIQUE_MODERATORS_GROUP)
    moderator.groups.add(group)

    # A third report, from the arrangement page: the comment is hidden pending review.
    sign_in(page, base, "bruno@example.org")
    page.goto(base + amenagement.get_absolute_url())
    item = page.locator(f"#avis-{rude.pk}")
    item.locator("details.report summary").click()
    item.locator("input[value=abuse]").check()
    item.locator("form button[type=submit]").click()
    expect(page.locator(f"#avis-{rude.pk} .message--success")).to_be_visible()
    expect(page.locator(f"#avis-{rude.pk} details.report")).to_have_count(0)
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.REPORTED
    sign_out(page)

    # The moderator hides it from the queue, with a reason shown publicly.
    sign_in(page, base, "modo@example.org")
    page.goto(base + reverse("contributions:moderation"))
    entry = page.locator(f"#moderation-{rude.pk}")
    expect(entry).to_contain_text(RUDE)
    entry.locator("textarea[name=reason]").fill("Propos injurieux envers les riverains.")
    entry.locator("button[name=decision][value=hide]").click()
    expect(page.locator(f"#moderation-{rude.pk}")).to_have_count(0)
    expect(page.locator("#moderation-log-title + .log")).to_contain_text(
        "Propos injurieux envers les riverains."
    )

    # Everyone now sees the reason in place of the comment.
    sign_out(page)
    page.goto(base + amenagement.get_absolute_url())
    item = page.locator(f"#avis-{rude.pk}")
    expect(item).to_contain_text("Propos injurieux envers les riverains.")
    expect(item).not_to_contain_text(RUDE)
    rude.refresh_from_db()
    assert (rude.comment_status, rude.moderated_by) == (CommentStatus.HIDDEN, moderator)
    assert list(
        ModerationLogEntry.objects.filter(contribution=rude)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    ) == [
        "comment.reported",
        "comment.reported",
        "comment.reported",
        "comment.auto_hidden",
        "comment.hidden",
    ]
    assert page.js_errors == []
