"""Following an arrangement or a commune, and the messages it brings: decisions, adaptations,
new proposals, the weekly digest, the moderators' daily digest, one-click unsubscribe
(`participation.follows`)."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import LineString
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from amenagements import services as amenagement_services
from amenagements.bulk import reading
from amenagements.bulk import services as bulk_services
from amenagements.models import Adaptation, Commune
from evaluation import decisions
from evaluation.announcements import proposals_announce
from evaluation.models import AdjustmentProposal, EvaluationRun
from participation.contributions.moderation import report_create
from participation.contributions.panel_comments import panel_comment_report
from participation.follows import digests, services
from participation.follows.tokens import Target, token_make, token_read
from participation.indicators import deliberation
from participation.models import (
    Contribution,
    Follow,
    Frequency,
    Notice,
    PanelCommentReport,
    Report,
)
from participation.privacy.selectors import personal_data_export
from tests.amenagements.fixtures import make
from tests.jobs import periodic_tasks, run_queued_jobs
from tests.participation.fixtures import make_user

pytestmark = pytest.mark.django_db

NEW_LAYOUT = LineString((4.8320, 45.7601), (4.8365, 45.7601), srid=4326)


def make_run(amenagement):
    return EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=dt.date(2026, 9, 1),
        frequency=EvaluationRun.Frequency.DAILY,
        parameters={},
        method_version="test",
        data_summary={},
    )


def make_proposal(amenagement, action=AdjustmentProposal.Action.ADJUST, run=None):
    return AdjustmentProposal.objects.create(
        amenagement=amenagement,
        run=run or make_run(amenagement),
        action=action,
        rationale="Sentiment de sécurité 2,4/5 (n = 40), en dessous de la cible 3,5/5.",
    )


def rate(user, amenagement):
    return Contribution.objects.create(
        user=user, version=amenagement.versions.get(valid_to__isnull=True), comment="Avis"
    )


def sent(task="common.send_email") -> dict[str, list]:
    """Run the queued emails; the messages by recipient."""
    run_queued_jobs(task)
    by_address: dict[str, list] = {}
    for message in mail.outbox:
        by_address.setdefault(message.to[0], []).append(message)
    return by_address


def link_in(body: str) -> str:
    """The path of the unsubscribe link of a message."""
    found = re.findall(r"https?://[^\s]+/desabonnement/[^\s]+/", body)
    assert found, body
    return "/" + found[-1].split("/", 3)[3]


@pytest.fixture
def agent(db):
    return make_user("Agente", staff=True)


@pytest.fixture
def people(amenagement):
    """Alice follows the arrangement (at once), Bruno its commune (weekly), Carla gave her
    opinion only, Dan gave his opinion but chose no message, Eve follows another commune."""
    names = ("Alice", "Bruno", "Carla", "Dan", "Eve")
    alice, bruno, carla, dan, eve = (make_user(name) for name in names)
    services.follow_set(user=alice, amenagement=amenagement, frequency=Frequency.IMMEDIATE)
    services.follow_set(user=bruno, commune=amenagement.commune, frequency=Frequency.WEEKLY)
    rate(carla, amenagement)
    rate(dan, amenagement)
    services.follow_set(user=dan, amenagement=amenagement, frequency=Frequency.NONE)
    other = amenagement_services.commune_get_or_create(name="Villeurbanne")
    services.follow_set(user=eve, commune=other, frequency=Frequency.IMMEDIATE)
    return alice, bruno, carla, dan, eve


def test_a_decision_reaches_followers_and_raters_as_each_chose_and_once(amenagement, agent, people):
    alice, bruno, carla, dan, eve = people
    proposal = make_proposal(amenagement)

    decisions.proposal_reject(proposal=proposal, decided_by=agent, note="Trop cher.")
    # Told again (a job run twice): nobody gets it twice.
    assert decisions.decision_notify(proposal_id=proposal.pk) == 0

    emails = sent()
    assert sorted(emails) == [alice.email, carla.email]
    assert all(len(messages) == 1 for messages in emails.values())
    assert "Trop cher." in emails[alice.email][0].body
    assert "vous suivez « Piste de la rue Test »" in emails[alice.email][0].body
    assert "vous avez donné votre avis" in emails[carla.email][0].body
    # Bruno's waits for his weekly digest; Dan and Eve hear nothing.
    waiting = Notice.objects.get(user=bruno)
    assert (waiting.weekly, waiting.sent_at) == (True, None)
    assert not Notice.objects.filter(user__in=[dan, eve]).exists()


def test_every_email_has_a_one_click_unsubscribe_that_needs_no_login(
    amenagement, agent, people, client
):
    alice, _bruno, carla, *_ = people
    decisions.proposal_reject(proposal=make_proposal(amenagement), decided_by=agent, note="Non.")
    message = sent()[carla.email][0]
    path = link_in(message.body)
    assert message.extra_headers["List-Unsubscribe"].endswith(f"{path}>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Opening the link (or a mail scanner fetching it) only asks to confirm.
    page = client.get(path)
    assert page.status_code == 200
    assert "Piste de la rue Test" in page.content.decode()
    assert not Follow.objects.filter(user=carla).exists()
    # The mail client's one-click POST: no session, no CSRF token.
    client.handler.enforce_csrf_checks = True
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Follow.objects.get(user=carla, amenagement=amenagement).frequency == Frequency.NONE

    # Though she gave her opinion, the next decision does not reach her.
    mail.outbox.clear()
    decisions.proposal_reject(proposal=make_proposal(amenagement), decided_by=agent, note="Non.")
    assert sorted(sent()) == [alice.email]


def test_an_altered_unsubscribe_link_is_refused_with_a_french_message(client, amenagement, people):
    alice = people[0]
    token = token_make(Target(user_id=alice.pk, amenagement_id=amenagement.pk))
    assert token_read(token) == Target(user_id=alice.pk, amenagement_id=amenagement.pk)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_salt = signing.dumps({"u": alice.pk, "a": amenagement.pk})
    for bad in (forged, token + "x", other_salt, "abc"):
        response = client.post(reverse("follows:unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "lien de désabonnement n’est pas valide" in response.content.decode()
    assert Follow.objects.get(user=alice).frequency == Frequency.IMMEDIATE


def test_a_new_layout_invites_earlier_raters_once_and_tells_followers(amenagement, people):
    alice, bruno, carla, dan, _eve = people
    rate(alice, amenagement)  # a follower who also rated: invited, not told twice
    today = timezone.localdate()

    adaptation = amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=today,
        kind=Adaptation.Kind.WIDENED,
        description="Élargie côté Saône",
        geom=NEW_LAYOUT,
    )
    # The same adaptation reported again (another path, a job run twice) invites nobody twice.
    from participation.follows.announcements import adaptation_announce

    adaptation_announce(adaptation)

    emails = sent()
    assert sorted(emails) == [alice.email, carla.email]
    for address in (alice.email, carla.email):
        (invitation,) = emails[address]
        assert "qu’en pensez-vous" in invitation.subject
        assert "Élargie côté Saône" in invitation.body
    assert Notice.objects.filter(user=bruno, key=f"adaptation:{adaptation.pk}").exists()
    assert not Notice.objects.filter(user=dan).exists()


def test_old_adaptations_and_dry_runs_write_to_nobody(amenagement, people):
    rows = (
        "amenagement;date;type;description\n"
        f"{amenagement.slug};{timezone.localdate():%Y-%m-%d};widened;Élargie\n"
    )
    read = reading.adaptations_read(rows.encode())
    assert bulk_services.adaptations_import(read=read, dry_run=True).recorded == 1
    amenagement_services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2021, 3, 1), kind=Adaptation.Kind.WIDENED
    )
    assert not Notice.objects.exists()
    assert sent() == {}

    assert bulk_services.adaptations_import(read=read).recorded == 1
    assert sorted(sent()) == [people[0].email]  # Alice follows it at once


def test_followers_hear_of_a_changed_proposal_not_of_the_same_one_again(amenagement, people):
    alice = people[0]
    first = make_run(amenagement)
    proposals = [make_proposal(amenagement, run=first)]
    assert proposals_announce(run=first, proposals=proposals, previous_actions=set()) == 2
    second = make_run(amenagement)
    again = [make_proposal(amenagement, run=second)]
    assert proposals_announce(run=second, proposals=again, previous_actions={"adjust"}) == 0

    emails = sent()
    assert list(emails) == [alice.email]
    assert "nouvelle proposition" in emails[alice.email][0].subject


def test_the_weekly_digest_gathers_a_persons_news_in_one_email(amenagement, agent, people):
    bruno = people[1]
    decisions.proposal_reject(proposal=make_proposal(amenagement), decided_by=agent, note="Non.")
    rue = make("Rue Voisine", offset=0.01)  # in Lyon too
    decisions.proposal_defer(proposal=make_proposal(rue), decided_by=agent, note="Plus tard.")
    mail.outbox.clear()
    run_queued_jobs("common.send_email")
    mail.outbox.clear()

    assert digests.weekly_digests_send() == 1
    assert digests.weekly_digests_send() == 0  # run twice: sent once
    (digest,) = sent()[bruno.email]
    assert "2 nouvelles" in digest.subject
    assert digest.body.index("Piste de la rue Test") < digest.body.index("Rue Voisine")
    assert digest.body.count("/desabonnement/") == 3  # one per item, one for every digest
    assert "Ne plus suivre la commune de Lyon" in digest.body
    assert not Notice.objects.filter(user=bruno, sent_at__isnull=True).exists()

    # Its header stops every weekly digest: nothing waits for the next one.
    assert "/desabonnement/" in digest.extra_headers["List-Unsubscribe"]
    token = digest.extra_headers["List-Unsubscribe"].rstrip("/>").rsplit("/", 1)[1]
    assert token_read(token) == Target(user_id=bruno.pk, weekly=True)
    services.unsubscribe_apply(token_read(token))
    assert Follow.objects.get(user=bruno).frequency == Frequency.NONE


def test_messages_are_written_in_the_language_the_follow_was_chosen_in(amenagement, agent):
    english = make_user("Jane")
    services.follow_set(
        user=english, amenagement=amenagement, frequency=Frequency.IMMEDIATE, language="en"
    )
    decisions.proposal_reject(proposal=make_proposal(amenagement), decided_by=agent, note="No.")

    (message,) = sent()[english.email]
    assert message.subject.startswith("[Tactique] Decision on “Piste de la rue Test”")
    assert "To stop receiving these messages, one click" in message.body


@pytest.fixture
def reports(amenagement):
    """Two comments on the Lyon arrangement reported yesterday, one reported today."""
    reporter = make_user("Rapporteur")
    made = []
    for name in ("Auteur", "Autrice", "Tiers"):
        contribution = Contribution.objects.create(
            user=make_user(name),
            version=amenagement.versions.get(),
            comment=f"Commentaire de {name}",
            comment_status=Contribution.CommentStatus.PUBLISHED,
        )
        made.append(report_create(contribution=contribution, reporter=reporter, reason="spam"))
    yesterday = timezone.now() - dt.timedelta(days=1)
    Report.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(created_at=yesterday)
    return made


def test_moderators_get_yesterdays_reports_of_their_communes_once(reports):
    group, _created = Group.objects.get_or_create(name="Modérateurs")
    names = ("Modo", "Modo Villeurbanne", "Ancien")
    everywhere, in_villeurbanne, gone = (make_user(name) for name in names)
    for user in (everywhere, in_villeurbanne, gone):
        user.groups.add(group)
    gone.is_active = False
    gone.save()
    Commune.objects.get_or_create(name="Villeurbanne", slug="villeurbanne")[0].agents.add(
        in_villeurbanne
    )

    assert digests.moderators_digest_send() == 1
    assert digests.moderators_digest_send() == 0
    emails = sent()
    (digest,) = emails[everywhere.email]
    assert list(emails) == [everywhere.email]
    assert digest.subject.startswith("[Tactique] 2 signalements le ")
    assert digest.body.count("Piste de la rue Test") == 2
    assert "3 signalements attendent" in digest.body  # today's is waiting too
    assert reverse("contributions:moderation") in digest.body
    assert "List-Unsubscribe" not in digest.extra_headers


def test_reports_on_panel_comments_reach_the_moderators_of_the_panels_communes(
    reports, proposal, member, resident
):
    group, _created = Group.objects.get_or_create(name="Modérateurs")
    everywhere, in_villeurbanne = make_user("Modo"), make_user("Modo Villeurbanne")
    for user in (everywhere, in_villeurbanne):
        user.groups.add(group)
    villeurbanne = Commune.objects.get_or_create(name="Villeurbanne", slug="villeurbanne")[0]
    villeurbanne.agents.add(in_villeurbanne)
    proposal.panel.communes.add(villeurbanne)
    comment = deliberation.comment_add(definition=proposal, user=member, body="Hors sujet.")
    report = panel_comment_report(comment=comment, reporter=resident, reason="off_topic")
    PanelCommentReport.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )

    assert digests.moderators_digest_send() == 2
    emails = sent()
    (theirs,) = emails[in_villeurbanne.email]
    assert theirs.subject.startswith("[Tactique] 1 signalement le ")
    assert f"{proposal.panel.name} — {proposal.name}" in theirs.body
    assert "Piste de la rue Test" not in theirs.body  # a Lyon arrangement
    assert emails[everywhere.email][0].subject.startswith("[Tactique] 3 signalements le ")


def test_the_digests_run_every_week_and_every_morning():
    tasks = periodic_tasks()
    assert tasks["weekly-digests"].cron == "0 6 * * 1"
    assert tasks["moderators-digest"].cron == "0 6 * * *"


def test_following_from_the_arrangement_page_works_without_javascript(client, amenagement):
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Connectez-vous pour suivre cet aménagement" in page

    alice = make_user("Alice")
    client.force_login(alice)
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert 'action="/suivre/amenagement/piste-de-la-rue-test/"' in page
    assert 'action="/suivre/commune/lyon/"' in page
    response = client.post(
        reverse("follows:arrangement", kwargs={"slug": amenagement.slug}),
        {"frequency": "weekly", "next": amenagement.get_absolute_url() + "#suivre"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == amenagement.get_absolute_url() + "#suivre"
    assert "résumé hebdomadaire" in response.content.decode()
    follow = Follow.objects.get(user=alice)
    assert (follow.amenagement, follow.frequency, follow.language) == (amenagement, "weekly", "fr")

    # Elsewhere than this site, `next` is ignored; an unknown frequency changes nothing.
    response = client.post(
        reverse("follows:commune", kwargs={"slug": "lyon"}),
        {"frequency": "daily", "next": "https://ailleurs.example/"},
    )
    assert response.url == "/"
    assert not Follow.objects.filter(commune__isnull=False).exists()


def test_the_profile_lists_what_one_follows_and_changes_it(client, amenagement):
    alice = make_user("Alice")
    services.follow_set(user=alice, amenagement=amenagement, frequency=Frequency.IMMEDIATE)
    services.follow_set(user=alice, commune=amenagement.commune, frequency=Frequency.WEEKLY)
    client.force_login(alice)
    page = client.get(reverse("participation:profile")).content.decode()
    assert "Piste de la rue Test" in page
    assert "Tous les aménagements de Lyon" in page

    client.post(
        reverse("follows:commune", kwargs={"slug": "lyon"}),
        {"frequency": "none", "next": reverse("participation:profile")},
    )
    page = client.get(reverse("participation:profile")).content.decode()
    assert "Tous les aménagements de Lyon" not in page
    exported = personal_data_export(user=alice)["follows"]
    assert [(f["arrangement"], f["commune"], f["messages"]) for f in exported] == [
        ("piste-de-la-rue-test", None, "immediate"),
        (None, "Lyon", "none"),
    ]


@pytest.mark.parametrize("followers", [2, 12])
def test_telling_an_event_costs_the_same_whatever_the_followers_but_one_job_each(
    amenagement, agent, followers, django_assert_num_queries
):
    for n in range(followers):
        user = make_user(f"Suiveur{n}")
        services.follow_set(user=user, amenagement=amenagement, frequency=Frequency.IMMEDIATE)
    proposal = make_proposal(amenagement)
    # The proposal, who follows, who rated, their addresses, who was told already, the
    # notices (one insert), then one queued job per email (one person, one job: nobody sees
    # another's address).
    with django_assert_num_queries(6 + followers):
        assert decisions.decision_notify(proposal_id=proposal.pk) == followers
