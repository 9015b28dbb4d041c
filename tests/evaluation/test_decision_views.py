"""The proposal page: evidence for everyone, the decision form for staff who may decide; the
decision and the planned adaptation then show on the arrangement's page."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import LineString
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from amenagements import services as amenagement_services
from amenagements.models import Adaptation, PlannedAdaptation
from evaluation import decisions
from evaluation.models import AdjustmentProposal, SegmentResult
from evaluation.permissions import can_decide_proposal
from evaluation.services import evaluation_run
from tests.participation.fixtures import PASSWORD, make_user

from .fixtures import LAST_DAY, city_fixture, rate  # noqa: F401 (a fixture)
from .test_decisions import HOT_SPOT, make_proposal, make_run

Action = AdjustmentProposal.Action


def grant(user):
    user.user_permissions.add(Permission.objects.get(codename="change_adjustmentproposal"))
    return user


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def url(proposal):
    return reverse(
        "evaluation:proposal", kwargs={"slug": proposal.amenagement.slug, "pk": proposal.pk}
    )


@pytest.fixture
def agent(db):
    return grant(make_user("Agente", staff=True))


def test_only_active_staff_with_the_permission_decide(db):
    assert can_decide_proposal(grant(make_user("Agent1", staff=True)))
    assert not can_decide_proposal(make_user("Agent2", staff=True))
    assert not can_decide_proposal(grant(make_user("Resident3")))
    inactive = grant(make_user("Agent4", staff=True))
    inactive.is_active = False
    assert not can_decide_proposal(inactive)


def test_everyone_reads_the_proposal_and_its_rationale_but_gets_no_form(client, amenagement):
    proposal = make_proposal(amenagement)
    page = client.get(url(proposal)).content.decode()
    assert escape(proposal.rationale) in page
    assert 'name="note"' not in page


def test_a_proposal_of_another_arrangement_is_not_found(client, amenagement):
    proposal = make_proposal(amenagement)
    wrong = reverse("evaluation:proposal", kwargs={"slug": "autre", "pk": proposal.pk})
    assert client.get(wrong).status_code == 404


def test_anonymous_visitors_posting_are_sent_to_log_in(client, amenagement):
    proposal = make_proposal(amenagement)
    response = client.post(url(proposal), {"decision": "reject", "note": "Non."})
    assert response.status_code == 302
    assert "/comptes/" in response["Location"]
    proposal.refresh_from_db()
    assert proposal.is_open


@pytest.mark.parametrize("who", ["resident", "staff without the permission"])
def test_others_are_refused(client, amenagement, who):
    user = make_user("Quidam", staff=who != "resident")
    proposal = make_proposal(amenagement)
    login(client, user)
    assert 'name="note"' not in client.get(url(proposal)).content.decode()
    response = client.post(url(proposal), {"decision": "reject", "note": "Non."})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.is_open


def test_staff_accept_and_the_arrangement_page_shows_decision_and_planned_adaptation(
    client, amenagement, agent
):
    agent.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    proposal = make_proposal(amenagement, segment_geom=HOT_SPOT)
    login(client, agent)
    form_page = client.get(url(proposal)).content.decode()
    assert 'name="note"' in form_page
    assert escape(proposal.rationale) in form_page  # the description is prefilled with it

    response = client.post(
        url(proposal),
        {
            "decision": "accept",
            "note": "Nous réaménageons le carrefour.",
            "kind": Adaptation.Kind.OTHER,
            "planned_for": "",
            "description": "Reprendre le carrefour Test.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == amenagement.get_absolute_url() + "#evaluation"
    planned = PlannedAdaptation.objects.get()
    assert planned.description == "Reprendre le carrefour Test."
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Nous réaménageons le carrefour." in page  # the decision, published
    assert "Reprendre le carrefour Test." in page  # the planned adaptation, on the timeline
    assert url(proposal) in page  # linked to the proposal
    assert f"?prevue={planned.pk}" in page  # staff may record that it was carried out


def test_a_decision_without_a_note_redisplays_the_form_with_the_error(client, amenagement, agent):
    proposal = make_proposal(amenagement)
    login(client, agent)
    response = client.post(url(proposal), {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_open


def test_deciding_an_already_decided_proposal_says_so(client, amenagement, agent):
    proposal = make_proposal(amenagement)
    decisions.proposal_defer(proposal=proposal, decided_by=agent, note="Plus tard.")
    login(client, agent)
    page = client.get(url(proposal)).content.decode()
    assert 'name="note"' not in page  # no form once decided
    assert "Plus tard." in page
    response = client.post(url(proposal), {"decision": "accept", "note": "Oui."})
    assert response.status_code == 400
    assert "Cette proposition n’est plus ouverte (statut : Reportée)." in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == ("deferred", "Plus tard.")


def test_keep_and_monitor_offers_no_adaptation_fields(client, amenagement, agent):
    proposal = make_proposal(amenagement, Action.KEEP_AND_MONITOR)
    login(client, agent)
    page = client.get(url(proposal)).content.decode()
    assert 'name="note"' in page
    assert 'name="description"' not in page


def test_the_adaptation_form_prefills_from_a_planned_adaptation_and_carries_it_out(
    client, amenagement, agent
):
    agent.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    proposal = make_proposal(amenagement, Action.ADD_SEPARATION)
    decisions.proposal_accept(
        proposal=proposal, decided_by=agent, note="Oui.", description="Poser des séparateurs."
    )
    planned = PlannedAdaptation.objects.get()
    login(client, agent)
    adapt = reverse("amenagements:adapt", kwargs={"slug": amenagement.slug})
    form_page = client.get(f"{adapt}?prevue={planned.pk}").content.decode()
    assert "Poser des séparateurs." in form_page
    assert f'<option value="{planned.pk}" selected>' in form_page

    response = client.post(
        adapt,
        {
            "carries_out": planned.pk,
            "date": timezone.localdate().isoformat(),
            "kind": Adaptation.Kind.SEPARATED,
            "description": "Séparateurs posés.",
            "status": "",
            "geom": amenagement.geom.geojson,
        },
    )

    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == PlannedAdaptation.Status.DONE
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Séparateurs posés." in page
    assert url(proposal) in page  # the done adaptation still points to its proposal


def test_the_evaluation_section_draws_each_effect_with_its_interval(client, city):
    run = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    page = client.get(city.amenagement.get_absolute_url()).content.decode()
    estimated = run.usage_effects.exclude(percent_change=None).count()
    assert estimated > 0
    # One dot (and interval bar) per estimate in the effects' chart (each effect's own
    # week-by-week chart comes after it).
    forest = page[: page.index('id="effect-chart-caption"')]
    assert forest.count("<circle") == estimated


def test_hot_spots_are_listed_and_drawn_on_the_map(client, amenagement, adopted):
    run = make_run(amenagement)
    SegmentResult.objects.create(
        run=run,
        definition=adopted,
        index=1,
        start_m=100,
        end_m=200,
        geom=HOT_SPOT,
        n=20,
        negatives=15,
        negative_share=0.75,
        p_value=0.001,
        q_value=0.004,
        hot_spot=True,
    )
    SegmentResult.objects.create(
        run=run, definition=adopted, index=0, start_m=0, end_m=100, n=20, negatives=2
    )
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "100 à 200 m" in page  # the table lists the hot spot only
    assert "0 à 100 m" not in page
    assert "15 sur 20 (75 %)" in page
    spots = re.search(r'id="hotspots-geojson"[^>]*>(.*?)</script>', page, re.S).group(1)
    (feature,) = json.loads(spots)["features"]
    assert feature["properties"]["from_m"] == 100


def test_staff_cancel_a_planned_adaptation_with_a_public_reason(client, amenagement, agent):
    agent.user_permissions.add(Permission.objects.get(codename="add_adaptation"))
    proposal = make_proposal(amenagement)
    decisions.proposal_accept(proposal=proposal, decided_by=agent, note="Oui.")
    planned = PlannedAdaptation.objects.get()
    cancel = reverse(
        "amenagements:planned_cancel", kwargs={"slug": amenagement.slug, "pk": planned.pk}
    )
    login(client, agent)
    client.post(cancel, {"reason": ""})
    planned.refresh_from_db()
    assert planned.is_planned  # no reason, no cancelling

    client.post(cancel, {"reason": "Le chantier du tram passe par là."})

    planned.refresh_from_db()
    assert planned.status == PlannedAdaptation.Status.CANCELLED
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Le chantier du tram passe par là." in page


def test_residents_cannot_cancel_a_planned_adaptation(client, amenagement, agent):
    proposal = make_proposal(amenagement)
    decisions.proposal_accept(proposal=proposal, decided_by=agent, note="Oui.")
    planned = PlannedAdaptation.objects.get()
    login(client, make_user("Voisine"))
    cancel = reverse(
        "amenagements:planned_cancel", kwargs={"slug": amenagement.slug, "pk": planned.pk}
    )
    assert client.post(cancel, {"reason": "Non"}).status_code == 403
    planned.refresh_from_db()
    assert planned.is_planned


def test_perception_is_broken_down_by_profile_and_before_after_an_adaptation(
    client, amenagement, adopted
):
    adopted.panel.communes.add(amenagement.commune)
    rate(amenagement, adopted, [None] * 10, [2] * 10)
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2020, 7, 1),
        kind=Adaptation.Kind.WIDENED,
        geom=LineString((4.8320, 45.7600), (4.8365, 45.7601), srid=4326),
    )
    rate(amenagement, adopted, [None] * 10, [4] * 10)
    evaluation_run(amenagement=amenagement, as_of=timezone.localdate())

    page = client.get(amenagement.get_absolute_url()).content.decode()

    breakdown = page[page.index('class="evaluation__breakdown"') :]
    assert "Cycliste" in breakdown  # the declared profile of every rating here
    row = re.search(r"Élargi.*?</tr>", breakdown, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[:2] == ["2", "4"]  # mean before, mean after
    assert cells[2].startswith("2")  # the difference
