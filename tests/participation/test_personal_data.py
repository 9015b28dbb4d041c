"""Personal data: the JSON export holds everything about the account (and nobody else's), the
account can be deleted with its opinions kept anonymised, and the privacy page says so."""

import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import gettext as _

from participation.contributions import moderation
from participation.models import Contribution, IndicatorDefinition, Profile, Rating, Report
from participation.privacy.forms import ERROR_WRONG_PASSWORD
from tests.participation.fixtures import PASSWORD, make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import BESIDE_THE_LINE, submit

pytestmark = pytest.mark.django_db


def test_the_export_holds_everything_about_the_account_and_nothing_else(
    client, amenagement, alice, bruno, member, safety, comfort, django_assert_max_num_queries
):
    mine = submit(
        member,
        amenagement,
        ratings={safety.pk: 2, comfort.pk: 4},
        comment="Le carrefour est dangereux.",
        profiles=["cyclist", "resident"],
        point=BESIDE_THE_LINE,
    ).contribution
    other = submit(alice, amenagement, ratings={safety.pk: 5}, comment="Parfait.").contribution
    moderation.report_create(contribution=other, reporter=member, reason="spam")
    submit(bruno, amenagement, comment="Pas mon avis à moi.")

    client.login(username=member.username, password=PASSWORD)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("privacy:export"))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tactique-mes-donnees-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "membre@example.org"
    assert data["profile"]["pseudonym"] == "Membre"
    assert [e["email"] for e in data["email_addresses"]] == ["membre@example.org"]
    [contribution] = data["contributions"]
    assert contribution["id"] == mine.pk
    assert contribution["comment"] == "Le carrefour est dangereux."
    assert contribution["profiles"] == ["cyclist", "resident"]
    assert contribution["spot"]["position_m"] == pytest.approx(mine.position_m)
    assert sorted((r["code"], r["value"]) for r in contribution["ratings"]) == [
        ("confort", 4),
        ("securite", 2),
    ]
    assert data["reports_made"][0]["contribution"] == other.pk
    assert {m["panel"] for m in data["panel_memberships"]} == {"Panel de Lyon"}
    assert {s["position"] for s in data["stances"]} == {"endorse"}
    assert {p["code"] for p in data["indicator_proposals"]} == {"securite", "confort"}
    text = response.content.decode()
    assert "Parfait." not in text
    assert "Pas mon avis à moi." not in text
    assert "alice@example.org" not in text


def test_the_export_needs_to_be_signed_in(client):
    response = client.get(reverse("privacy:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_wrong_password_deletes_nothing(client, alice):
    client.login(username=alice.username, password=PASSWORD)
    response = client.post(reverse("privacy:delete"), {"password": "pas le bon", "confirm": "on"})
    assert str(ERROR_WRONG_PASSWORD) in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()


def test_deleting_the_account_keeps_opinions_anonymised(client, amenagement, alice, bruno, safety):
    mine = submit(
        alice, amenagement, ratings={safety.pk: 2}, comment="Trop de voitures garées dessus."
    ).contribution
    theirs = submit(bruno, amenagement, comment="Pas d'accord.").contribution
    moderation.report_create(contribution=theirs, reporter=alice, reason="spam")

    client.login(username=alice.username, password=PASSWORD)
    response = client.post(reverse("privacy:delete"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Profile.objects.filter(pseudonym="Alice").exists()
    mine.refresh_from_db()
    assert mine.user is None
    assert mine.comment == "Trop de voitures garées dessus."
    assert Rating.objects.get(contribution=mine).value == 2
    assert Report.objects.get().reporter is None  # the report still counts
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Trop de voitures garées dessus." in html
    assert _("Former participant") in html
    assert "Alice" not in html


def test_a_panel_member_who_adopted_indicators_can_delete_their_account(
    client, facilitator, safety
):
    assert safety.adopted_by == facilitator
    client.login(username=facilitator.username, password=PASSWORD)
    client.post(reverse("privacy:delete"), {"password": PASSWORD, "confirm": "on"})
    safety.refresh_from_db()
    assert safety.adopted_by is None
    assert safety.status == IndicatorDefinition.Status.ADOPTED


def test_someone_who_deleted_their_account_can_come_back_and_give_a_new_opinion(
    client, amenagement, alice, safety
):
    submit(alice, amenagement, ratings={safety.pk: 2})
    client.login(username=alice.username, password=PASSWORD)
    client.post(reverse("privacy:delete"), {"password": PASSWORD, "confirm": "on"})
    again = make_user("Alice")
    submit(again, amenagement, ratings={safety.pk: 4})
    assert Contribution.objects.filter(version__amenagement=amenagement).count() == 2


def test_the_privacy_page_says_what_is_kept_and_links_export_and_deletion(client):
    html = client.get(reverse("privacy:privacy")).content.decode()
    assert reverse("privacy:export") in html
    assert reverse("privacy:delete") in html
    assert _("Former participant") in html
    home = client.get(reverse("pages:map")).content.decode()
    assert reverse("privacy:privacy") in home  # linked from every page's footer
