"""The main pages of the site with real content, for the checks that go through all of them
(axe-core, a 390 px phone): who sees each page, and a fixture filling them.

`city` is the shared arrangement (a bike lane in Lyon) with a bike counter's daily counts, two
adopted questions, twelve residents' opinions (one comment, reported), and an evaluation the
engine ran on them.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from evaluation import services as evaluation_services
from participation.contributions import moderation
from participation.follows.tokens import Target, token_make
from tests.participation.fixtures import PASSWORD, make_user
from tests.participation.opinion_fixtures import submit
from tests.usage.helpers import daily_csv, import_text, make_counter, north_of

VISITOR, RESIDENT, MODERATOR, STAFF = "visitor", "resident", "moderator", "staff"


@pytest.fixture
def city(amenagement, safety, comfort):
    lon, lat = north_of(4.834, 45.76, 15)
    make_counter("C1", lon=lon, lat=lat, name="Compteur du quai")
    import_text(daily_csv("C1", dt.date(2020, 4, 20), [800 + (i % 7) * 40 for i in range(60)]))
    start = Point(amenagement.geom.coords[0], srid=4326)
    for i in range(12):
        submit(
            make_user(f"Habitant{i}"),
            amenagement,
            ratings={safety.pk: 1 + i % 3, comfort.pk: 2 + i % 3},
            profiles=["cyclist"],
            comment="Le carrefour est dangereux." if i == 0 else "",
            point=start if i % 2 else None,
        )
    contribution = amenagement.versions.get().contributions.exclude(comment="").get()
    moderation.report_create(
        contribution=contribution, reporter=make_user("Lecteur"), reason="spam"
    )
    evaluation_services.evaluation_run(amenagement=amenagement, as_of=timezone.localdate())
    return amenagement


def people() -> dict[str, object]:
    """One account per kind of person who signs in."""
    moderator = make_user("Modo")
    moderator.groups.add(Group.objects.get_or_create(name=settings.TACTIQUE_MODERATORS_GROUP)[0])
    return {
        RESIDENT: make_user("Residente"),
        MODERATOR: moderator,
        STAFF: make_user("Agente", staff=True, superuser=True),
    }


def main_pages(city, panel) -> list[tuple[str, str]]:
    """(who, address) of each main page, grouped by who sees it."""
    reader = User.objects.get(email="lecteur@example.org")  # who reported the comment
    return [
        (VISITOR, reverse("pages:map")),
        (VISITOR, city.get_absolute_url()),
        (VISITOR, reverse("pages:overview")),
        (VISITOR, reverse("indicators:catalogue")),
        (VISITOR, reverse("participation:panels")),
        (VISITOR, panel.get_absolute_url()),
        (VISITOR, reverse("participation:log", args=[panel.slug])),
        (VISITOR, reverse("account_signup")),
        (VISITOR, reverse("account_login")),
        (VISITOR, reverse("privacy:privacy")),
        (VISITOR, reverse("pages:accessibility")),
        (VISITOR, reverse("opendata:catalogue")),
        (VISITOR, reverse("follows:unsubscribe", args=[token_make(Target(1, city.pk))])),
        (RESIDENT, city.get_absolute_url()),
        (RESIDENT, reverse("contributions:contribute", args=[city.slug])),
        (RESIDENT, reverse("participation:profile")),
        (MODERATOR, reverse("contributions:moderation")),
        (MODERATOR, reverse("contributions:account_suspend", args=[reader.pk])),
        (STAFF, city.get_absolute_url()),
        (STAFF, reverse("amenagements:adapt", args=[city.slug])),
        (STAFF, reverse("usage:import")),
        (STAFF, reverse("usage:manual_count", args=[city.slug])),
        (STAFF, reverse("pages:services")),
        (STAFF, reverse("amenagements:adaptations_import")),
        (STAFF, reverse("surveys:import")),
        (STAFF, reverse("amenagements:create")),
        (STAFF, reverse("participation:panel_create")),
    ]


def sign_in(page, base: str, user) -> None:
    page.goto(base + reverse("account_login"))
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("participation:profile")) + "$"))


def visit_all(browser, base: str, pages: list[tuple[str, str]], check, **context) -> dict:
    """`check(page, address)` on every page, each person in a browser context of their own;
    what the checks return, by "address (who)", when they return something."""
    accounts = people()
    found = {}
    for who in dict.fromkeys(w for w, _ in pages):
        ctx = browser.new_context(locale="fr-FR", **context)
        page = ctx.new_page()
        if who != VISITOR:
            sign_in(page, base, accounts[who])
        for _, address in (p for p in pages if p[0] == who):
            page.goto(base + address)
            page.wait_for_load_state("networkidle")
            problem = check(page, address)
            if problem:
                found[f"{address} ({who})"] = problem
        ctx.close()
    return found
