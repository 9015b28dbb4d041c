"""Panel, proposal, catalogue and profile pages as people use them (French, no JavaScript
needed, htmx fragments, forms that keep what was typed, pseudonyms only)."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from participation.indicators import deliberation
from participation.indicators import services as definition_services
from participation.indicators import text as definition_text
from participation.models import Comment, IndicatorDefinition, Stance
from participation.panels import services as panel_services
from tests.participation.fixtures import endorse, make_user, perception_text, usage_text
from tests.participation.test_permissions import proposal_data

HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


def test_the_panel_page_lists_members_by_pseudonym_and_never_an_email(client, adopted, panel):
    response = client.get(panel.get_absolute_url())
    page = html(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    for pseudonym in ("Facilitatrice", "Membre", "Membre2"):
        assert pseudonym in page
    assert "@example.org" not in page
    assert "Sentiment de sécurité" in page  # its decision
    assert "a adopté « Sentiment de sécurité » comme version 1" in page  # the public log
    assert "proposal.adopted" not in page  # in words, never its dotted code


@pytest.mark.parametrize("url_name", ["panel", "log", "proposal", "catalogue", "lineage"])
def test_public_pages_never_show_an_email_address(client, adopted, panel, member, url_name):
    deliberation.comment_add(
        definition=definition_services.definition_propose(
            panel=panel, proposed_by=member, text=usage_text()
        ),
        user=member,
        body="Mon avis",
    )
    urls = {
        "panel": panel.get_absolute_url(),
        "log": reverse("participation:log", args=[panel.slug]),
        "proposal": reverse("participation:proposal", args=[panel.slug, adopted.pk]),
        "catalogue": reverse("indicators:catalogue"),
        "lineage": reverse("indicators:lineage", args=[panel.slug, adopted.code]),
    }
    page = html(client.get(urls[url_name]))
    assert "@" not in re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)


@pytest.mark.parametrize("proposals", [1, 6])
def test_panel_page_query_count_does_not_grow_with_proposals(
    client, panel, member, django_assert_num_queries, proposals
):
    for i in range(proposals):
        definition = definition_services.definition_propose(
            panel=panel, proposed_by=member, text=perception_text(code=f"code-{i}")
        )
        endorse(definition, member)
        deliberation.comment_add(definition=definition, user=member, body="Oui")
    # panel (+ communes, arrangements), members, proposals, decisions, log
    with django_assert_num_queries(7):
        response = client.get(panel.get_absolute_url())
    assert html(response).count('class="card"') >= proposals


@pytest.mark.parametrize("indicators", [1, 6])
def test_catalogue_takes_one_query_whatever_its_size(
    client, panel, member, member2, facilitator, django_assert_num_queries, indicators
):
    for i in range(indicators):
        definition = definition_services.definition_propose(
            panel=panel, proposed_by=member, text=perception_text(code=f"c-{i}", name=f"Ind {i}")
        )
        endorse(definition, member, member2)
        definition_services.definition_adopt(definition=definition, by=facilitator)
    with django_assert_num_queries(1):
        response = client.get(reverse("indicators:catalogue"))
    assert html(response).count('class="version"') == indicators


def test_the_catalogue_shows_adopted_indicators_only_with_their_panel(
    client, adopted, panel, member
):
    definition_services.definition_propose(
        panel=panel, proposed_by=member, text=usage_text(name="Encore en discussion")
    )
    page = html(client.get(reverse("indicators:catalogue")))
    assert "Sentiment de sécurité" in page
    assert "Vous sentez-vous en sécurité ici ?" in page
    assert panel.name in page
    assert "Encore en discussion" not in page
    assert reverse("indicators:lineage", args=[panel.slug, "securite"]) in page


def test_an_indicator_page_shows_its_version_history(
    client, adopted, panel, member, member2, facilitator
):
    revision = definition_services.definition_propose(
        panel=panel,
        proposed_by=member,
        text=perception_text(target=Decimal("4")),
        supersedes=adopted,
    )
    endorse(revision, member, member2)
    definition_services.definition_adopt(definition=revision, by=facilitator)
    page = html(client.get(reverse("indicators:lineage", args=[panel.slug, "securite"])))
    assert "v2" in page
    assert "v1" in page
    assert page.index(
        'href="/panels-citoyens/panel-de-la-guillotiere/indicateurs/securite/v2/"'
    ) < page.index('href="/panels-citoyens/panel-de-la-guillotiere/indicateurs/securite/v1/"')
    old = html(client.get(reverse("indicators:version", args=[panel.slug, "securite", 1])))
    assert "3,5" in old  # the old target, as it was adopted (French decimals)
    assert (
        client.get(reverse("indicators:version", args=[panel.slug, "securite", 9])).status_code
        == 404
    )
    assert client.get(reverse("indicators:lineage", args=[panel.slug, "nope"])).status_code == 404


# --- proposing ------------------------------------------------------------------------------


def propose_url(panel):
    return reverse("participation:propose", args=[panel.slug])


def test_the_proposal_form_has_a_live_preview_and_a_no_js_preview_button(client, panel, member):
    client.force_login(member)
    page = html(client.get(propose_url(panel)))
    assert f'hx-post="{propose_url(panel)}"' in page
    assert 'hx-include="#proposal-form"' in page
    assert 'name="action" value="preview"' in page
    assert f'action="{propose_url(panel)}"' in page


def test_previewing_without_javascript_shows_the_question_and_saves_nothing(client, panel, member):
    client.force_login(member)
    data = proposal_data(question="Le trajet est-il continu ?", label_3="Un peu", action="preview")
    page = html(client.post(propose_url(panel), data))
    assert "<html" in page
    preview = page[page.index('id="preview"') :]
    assert "Le trajet est-il continu ?" in preview
    assert "Un peu" in preview
    assert 'type="radio" name="preview-answer" value="5" disabled' in preview
    assert 'value="Le trajet est-il continu ?"' in page  # the form keeps what was typed
    assert not IndicatorDefinition.objects.exists()


def test_the_live_preview_is_a_fragment(client, panel, member):
    client.force_login(member)
    data = proposal_data(question="Se sent-on bien ici ?", action="preview")
    response = client.post(propose_url(panel), data, **HTMX)
    page = html(response)
    assert "<html" not in page
    assert page.strip().startswith('<div class="preview__card"')
    assert "Se sent-on bien ici ?" in page
    assert not IndicatorDefinition.objects.exists()


def test_a_usage_preview_says_what_is_measured(client, panel, member):
    client.force_login(member)
    data = proposal_data(
        kind="usage", data_source="counters", statistic="mean_daily", action="preview"
    )
    page = html(client.post(propose_url(panel), data, **HTMX))
    assert str(IndicatorDefinition.Statistic.MEAN_DAILY.label) in page
    assert "radio" not in page


def test_a_proposal_with_errors_keeps_what_was_typed_and_ties_errors_to_fields(
    client, panel, member
):
    client.force_login(member)
    data = proposal_data(label_4="", target="9", name="Mon indicateur")
    response = client.post(propose_url(panel), data)
    page = html(response)
    assert response.status_code == 200
    assert 'value="Mon indicateur"' in page
    assert 'value="9"' in page
    assert 'id="id_label_4_errors"' in page
    assert re.search(
        r'<input[^>]*aria-describedby="id_target_help id_target_errors"'
        r'[^>]*aria-invalid="true"',
        page,
    ) or re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_target"', page)
    assert 'role="alert"' in page
    assert not IndicatorDefinition.objects.exists()


def test_a_member_proposes_and_lands_on_the_open_proposal(client, panel, member):
    client.force_login(member)
    response = client.post(propose_url(panel), proposal_data())
    definition = IndicatorDefinition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == definition.get_absolute_url()
    assert definition.proposed_by == member
    assert definition.scale_labels == ["Non", "Peu", "Moyennement", "Plutôt", "Oui"]
    page = html(client.get(response["Location"]))
    assert "L&#x27;itinéraire est-il continu ?" in page


def test_the_panel_chooses_what_an_indicator_is_about(client, panel, member):
    client.force_login(member)
    page = html(client.get(propose_url(panel)))
    assert re.search(r'<select[^>]*name="theme"', page)
    assert "Continuité de l’itinéraire : si manqué, proposer de le prolonger" in page
    client.post(propose_url(panel), proposal_data(theme="continuity"))
    client.post(propose_url(panel), proposal_data(code="sans-theme", name="Sécurité"))
    themes = dict(IndicatorDefinition.objects.values_list("code", "theme"))
    # Chosen, not guessed: an indicator named "Sécurité" without a theme is about something else.
    assert themes == {"continuite": "continuity", "sans-theme": "general"}


def test_a_new_version_starts_from_the_adopted_theme(client, adopted, panel, member):
    client.force_login(member)
    page = html(client.get(propose_url(panel) + f"?revise={adopted.pk}"))
    assert re.search(r'<option value="safety"[^>]*selected', page)


def test_proposing_a_new_version_starts_from_the_adopted_text_and_keeps_its_code(
    client, adopted, panel, member
):
    client.force_login(member)
    url = propose_url(panel) + f"?revise={adopted.pk}"
    page = html(client.get(url))
    assert 'value="Vous sentez-vous en sécurité ici ?"' in page
    assert re.search(r'<input[^>]*name="code"[^>]*disabled', page)
    data = proposal_data(code="tentative", target="4", revise=str(adopted.pk))
    response = client.post(propose_url(panel), data)
    assert response.status_code == 302
    revision = IndicatorDefinition.objects.get(status="proposed")
    assert (revision.code, revision.supersedes) == ("securite", adopted)


# --- deliberating ---------------------------------------------------------------------------


def proposal_url(definition, name="proposal"):
    return reverse(f"participation:{name}", args=[definition.panel.slug, definition.pk])


def test_a_stance_through_htmx_returns_the_updated_tally(client, proposal, member2):
    client.force_login(member2)
    response = client.post(proposal_url(proposal, "stance"), {"position": "endorse"}, **HTMX)
    page = html(response)
    assert "<html" not in page
    assert page.strip().startswith('<div id="deliberation"')
    assert 'data-tally-endorsements="1"' in page
    assert 'aria-pressed="true"' in page
    assert Stance.objects.get(definition=proposal, user=member2).position == "endorse"


def test_a_stance_without_javascript_redirects_to_the_proposal(client, proposal, member2):
    client.force_login(member2)
    response = client.post(proposal_url(proposal, "stance"), {"position": "object"})
    assert response["Location"] == proposal.get_absolute_url()
    page = html(client.get(response["Location"]))
    assert 'data-tally-objections="1"' in page


def test_adopting_before_the_rule_is_met_shows_the_numbers(client, proposal, facilitator):
    client.force_login(facilitator)
    response = client.post(proposal_url(proposal, "adopt"), follow=True)
    page = html(response)
    assert escape(str(definition_services.ERROR_RULE_NOT_MET).split("%(")[0]) in page
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    assert "message--error" in page


def test_adopting_when_the_rule_is_met_leads_to_the_catalogue_entry(
    client, proposal, member, member2, facilitator
):
    endorse(proposal, member, member2)
    client.force_login(facilitator)
    response = client.post(proposal_url(proposal, "adopt"))
    assert response["Location"] == reverse(
        "indicators:version", args=[proposal.panel.slug, "securite", 1]
    )
    assert "Sentiment de sécurité" in html(client.get(reverse("indicators:catalogue")))


def test_closing_without_a_reason_keeps_the_form_and_says_so(client, proposal, facilitator):
    client.force_login(facilitator)
    response = client.post(proposal_url(proposal, "close"), {"reason": ""})
    assert response.status_code == 200
    assert 'id="close_reason_errors"' in html(response)
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_a_comment_is_published_with_the_pseudonym(client, proposal, member2):
    client.force_login(member2)
    response = client.post(proposal_url(proposal, "comment"), {"body": "Très bonne question."})
    assert response.status_code == 302
    page = html(client.get(proposal.get_absolute_url()))
    assert "Très bonne question." in page
    assert "Membre2" in page
    assert Comment.objects.get().author == member2


def test_an_empty_comment_is_refused_and_the_page_says_why(client, proposal, member2):
    client.force_login(member2)
    response = client.post(proposal_url(proposal, "comment"), {"body": "   "})
    assert response.status_code == 200
    assert 'id="id_body_errors"' in html(response)
    assert not Comment.objects.exists()


# --- joining and managing -------------------------------------------------------------------


def test_a_resident_asks_to_join_and_a_facilitator_accepts(client, panel, resident, facilitator):
    client.force_login(resident)
    client.post(reverse("participation:join", args=[panel.slug]), {"message": "Je roule ici."})
    client.force_login(facilitator)
    page = html(client.get(reverse("participation:manage", args=[panel.slug])))
    assert "Habitante" in page
    assert "Je roule ici." in page
    request = panel.join_requests.get()
    client.post(
        reverse("participation:decide_request", args=[panel.slug, request.pk]),
        {"decision": "accept"},
    )
    assert panel.memberships.filter(user=resident).exists()


def test_inviting_an_unknown_pseudonym_keeps_the_form_with_the_error(client, panel, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("participation:invite", args=[panel.slug]), {"pseudonym": "Fantome"}
    )
    page = html(response)
    assert response.status_code == 200
    assert 'value="Fantome"' in page
    assert 'id="id_pseudonym_errors"' in page


def test_an_absurd_rule_keeps_the_form_with_the_error(client, panel, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("participation:rule", args=[panel.slug]),
        {"quorum": "2", "min_endorsement_percent": "150"},
    )
    assert 'id="id_min_endorsement_percent_errors"' in html(response)
    panel.refresh_from_db()
    assert panel.min_endorsement_percent == 60


# --- profile --------------------------------------------------------------------------------


def test_the_profile_shows_the_pseudonym_and_panels_and_renames(client, panel, member):
    client.force_login(member)
    page = html(client.get(reverse("participation:profile")))
    assert 'value="Membre"' in page
    assert panel.name in page
    response = client.post(reverse("participation:profile"), {"pseudonym": "Membre-Renommé"})
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.pseudonym == "Membre-Renommé"


def test_a_taken_pseudonym_is_refused_on_the_profile_page(client, member, member2):
    client.force_login(member2)
    response = client.post(reverse("participation:profile"), {"pseudonym": "MEMBRE"})
    page = html(response)
    assert 'value="MEMBRE"' in page
    assert 'id="id_pseudonym_errors"' in page
    member2.profile.refresh_from_db()
    assert member2.profile.pseudonym == "Membre2"


def test_the_header_offers_sign_in_to_visitors_and_a_logout_form_to_members(client, member):
    page = html(client.get(reverse("participation:panels")))
    assert f'href="{reverse("account_login")}"' in page
    assert f'href="{reverse("account_signup")}"' in page
    assert f'href="{reverse("indicators:catalogue")}"' in page
    client.force_login(member)
    page = html(client.get(reverse("participation:panels")))
    assert re.search(
        rf'<form class="logout-form" action="{reverse("account_logout")}" method="post">', page
    )
    assert f'href="{reverse("participation:profile")}"' in page


def test_other_panels_and_people_stay_separate(client, panel):
    other = panel_services.panel_create(
        name="Panel de Villeurbanne", facilitators=[make_user("Vfac")]
    )
    page = html(client.get(other.get_absolute_url()))
    assert "Membre2" not in page


def test_manual_counts_are_not_offered_as_a_data_source(client, panel, member):
    """The evaluation reads counters only: a panel cannot choose manual counts (the choice
    used to be offered and was silently judged on the counters)."""
    client.force_login(member)
    page = html(client.get(propose_url(panel)))
    assert 'value="counters"' in page
    assert 'value="manual_counts"' not in page
    data = proposal_data(
        code="comptages",
        kind="usage",
        data_source="manual_counts",
        statistic="mean_daily",
        unit="passages",
        target="100",
    )
    response = client.post(propose_url(panel), data)
    assert response.status_code == 200
    assert not IndicatorDefinition.objects.exists()
    with pytest.raises(ValidationError) as error:
        definition_text.definition_text_check(
            usage_text(data_source=IndicatorDefinition.DataSource.MANUAL_COUNTS)
        )
    assert error.value.error_dict["data_source"][0].code == "not_read"
