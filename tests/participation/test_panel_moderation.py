"""Panels' deliberation comments reported and moderated like opinions, and accounts suspended
with a public reason (`participation.contributions.panel_comments`, `.accounts`)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from amenagements import services as amenagement_services
from participation.contributions import accounts, moderation_selectors, panel_comments
from participation.indicators import deliberation
from participation.models import CommentStatus, ModerationLogEntry, PanelCommentReport
from participation.profiles.selectors import public_name
from tests.participation.fixtures import make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import submit

pytestmark = pytest.mark.django_db

RUDE = "Vous êtes tous des incapables."


@pytest.fixture
def rude(proposal, member):
    return deliberation.comment_add(definition=proposal, user=member, body=RUDE)


def page(client, definition) -> str:
    return client.get(definition.get_absolute_url()).content.decode()


def actions() -> list[str]:
    return list(ModerationLogEntry.objects.order_by("pk").values_list("action", flat=True))


def test_reports_hide_a_panel_comment_pending_review_at_the_threshold(
    client, rude, proposal, member, member2, resident, facilitator, settings
):
    settings.TACTIQUE_REPORT_HIDE_THRESHOLD = 2
    with pytest.raises(ValidationError) as error:
        panel_comments.panel_comment_report(comment=rude, reporter=member, reason="abuse")
    assert error.value.code == "own_comment"
    panel_comments.panel_comment_report(comment=rude, reporter=member2, reason="abuse")
    with pytest.raises(ValidationError) as error:
        panel_comments.panel_comment_report(comment=rude, reporter=member2, reason="spam")
    assert error.value.code == "already_reported"
    assert RUDE in page(client, proposal)

    panel_comments.panel_comment_report(comment=rude, reporter=resident, reason="abuse")

    rude.refresh_from_db()
    assert rude.status == CommentStatus.REPORTED
    shown = page(client, proposal)
    assert RUDE not in shown
    assert "en attente de l’examen d’un modérateur" in shown
    assert actions() == [
        "panel_comment.reported",
        "panel_comment.reported",
        "panel_comment.auto_hidden",
    ]


def test_a_resident_reports_from_the_proposal_page_without_javascript(
    client, rude, proposal, resident
):
    client.force_login(resident)
    shown = page(client, proposal)
    url = reverse("contributions:panel_comment_report", kwargs={"pk": rude.pk})
    assert f'href="{url}"' in shown
    assert client.get(url).status_code == 200

    # A report without its reason keeps the form and says what is missing.
    response = client.post(url, {"details": "Insultant"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()
    response = client.post(url, {"reason": "abuse", "details": "Insultant"})
    assert response.url == proposal.get_absolute_url() + f"#commentaire-{rude.pk}"
    report = PanelCommentReport.objects.get()
    assert (report.reporter, report.reason, report.details) == (resident, "abuse", "Insultant")


def test_a_moderator_hides_a_panel_comment_from_the_queue_with_a_public_reason(
    client, rude, proposal, resident, moderator
):
    panel_comments.panel_comment_report(comment=rude, reporter=resident, reason="abuse")
    client.force_login(moderator)
    queue = client.get(reverse("contributions:moderation")).content.decode()
    assert RUDE in queue
    moderate = reverse("contributions:panel_comment_moderate", kwargs={"pk": rude.pk})
    assert f'action="{moderate}"' in queue

    client.post(moderate, {"decision": "hide", "reason": ""})  # a reason is required
    rude.refresh_from_db()
    assert rude.status == CommentStatus.PUBLISHED
    client.post(moderate, {"decision": "hide", "reason": "Propos insultants."})

    rude.refresh_from_db()
    assert (rude.status, rude.moderation_reason) == (CommentStatus.HIDDEN, "Propos insultants.")
    assert not PanelCommentReport.objects.filter(resolved_at__isnull=True).exists()
    shown = page(client, proposal)
    assert RUDE not in shown
    assert "Propos insultants." in shown
    log = client.get(reverse("contributions:moderation")).content.decode()
    assert "a masqué un commentaire de panel : Propos insultants." in log
    hidden = client.get(reverse("contributions:moderation") + "?etat=masques")
    assert RUDE in hidden.content.decode()


def test_residents_cannot_moderate_panel_comments(client, rude, resident):
    client.force_login(resident)
    moderate = reverse("contributions:panel_comment_moderate", kwargs={"pk": rude.pk})
    assert client.post(moderate, {"decision": "hide", "reason": "Non."}).status_code == 403
    rude.refresh_from_db()
    assert rude.status == CommentStatus.PUBLISHED


def test_a_moderator_of_other_communes_cannot_moderate_this_panels_comments(
    client, rude, proposal, moderator
):
    proposal.panel.communes.add(amenagement_services.commune_get_or_create(name="Lyon"))
    amenagement_services.commune_get_or_create(name="Villeurbanne").agents.add(moderator)
    client.force_login(moderator)
    moderate = reverse("contributions:panel_comment_moderate", kwargs={"pk": rude.pk})
    assert client.post(moderate, {"decision": "hide", "reason": "Non."}).status_code == 403
    # Nor suspend anyone: an account is not one commune's.
    suspend = reverse("contributions:account_suspend", kwargs={"pk": rude.author_id})
    assert client.post(suspend, {"reason": "Insultes"}).status_code == 403


def test_a_suspended_account_takes_part_no_more_and_is_named_with_the_reason(
    client, amenagement, safety, alice, rude, proposal, member, moderator
):
    submit(alice, amenagement, ratings={safety.pk: 2}, comment="Trop étroit.")
    client.force_login(moderator)
    suspend = reverse("contributions:account_suspend", kwargs={"pk": member.pk})
    assert "Suspendre le compte" in client.get(suspend).content.decode()
    assert client.post(suspend, {"reason": ""}).status_code == 400
    client.post(suspend, {"reason": "Insultes répétées envers d’autres membres"})  # 41 chars

    member.profile.refresh_from_db()
    assert member.profile.suspended_by == moderator
    reason = "Insultes répétées envers d’autres membres"
    expected = f"{member.profile.pseudonym} (compte suspendu : {reason})"
    assert public_name(member) == expected
    assert expected in page(client, proposal)
    assert actions()[-1] == "account.suspended"

    # The suspended member can read but neither comment nor take a stance nor give an opinion.
    client.force_login(member)
    assert "Publier le commentaire" not in page(client, proposal)
    comment_url = reverse(
        "participation:comment", kwargs={"slug": proposal.panel.slug, "pk": proposal.pk}
    )
    assert client.post(comment_url, {"body": "Encore moi."}).status_code == 403
    contribute = reverse("contributions:contribute", kwargs={"slug": amenagement.slug})
    refused = client.post(contribute, {f"rating_{safety.pk}": "1"})
    assert refused.status_code == 403
    assert "Votre compte est suspendu" in refused.content.decode()
    arrangement_page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Votre compte est suspendu" in arrangement_page
    # Their data stay theirs.
    assert client.get(reverse("privacy:export")).status_code == 200

    # Reinstated, they take part again.
    client.force_login(moderator)
    queue = client.get(reverse("contributions:moderation")).content.decode()
    assert "Comptes suspendus" in queue
    assert "Insultes répétées" in queue
    client.post(reverse("contributions:account_reinstate", kwargs={"pk": member.pk}))
    member.profile.refresh_from_db()
    assert member.profile.suspended_at is None
    assert public_name(member) == member.profile.pseudonym
    assert actions()[-1] == "account.reinstated"


def test_staff_ones_own_and_already_suspended_accounts_cannot_be_suspended(moderator, alice):
    staff = make_user("Agent", staff=True)
    for user in (staff, moderator):
        with pytest.raises(ValidationError) as error:
            accounts.account_suspend(user=user, by=moderator, reason="Non.")
        assert error.value.code == "not_suspendable"
    with pytest.raises(ValidationError):
        accounts.account_suspend(user=alice, by=moderator, reason="x" * 121)
    accounts.account_suspend(user=alice, by=moderator, reason="Spam")
    with pytest.raises(ValidationError) as error:
        accounts.account_suspend(user=alice, by=moderator, reason="Spam")
    assert error.value.code == "already_suspended"


def test_only_moderators_suspend(client, resident, alice):
    client.force_login(resident)
    suspend = reverse("contributions:account_suspend", kwargs={"pk": alice.pk})
    assert client.post(suspend, {"reason": "Spam"}).status_code == 403
    alice.profile.refresh_from_db()
    assert alice.profile.suspended_at is None


def test_a_moderator_of_several_of_the_panels_communes_sees_each_comment_once(
    rude, proposal, resident, moderator
):
    communes = [amenagement_services.commune_get_or_create(name=n) for n in ("Lyon", "Bron")]
    proposal.panel.communes.add(*communes)
    for commune in communes:
        commune.agents.add(moderator)
    panel_comments.panel_comment_report(comment=rude, reporter=resident, reason="abuse")

    (queued,) = moderation_selectors.panel_comment_queue(communes=frozenset(c.pk for c in communes))
    assert (queued, queued.open_report_count, len(queued.open_reports)) == (rude, 1, 1)
