"""The city overview of evaluations: the outcome rule, its filters, the map layer and the page."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse
from django.utils import timezone

from amenagements import services as amenagement_services
from amenagements.models import Amenagement
from evaluation import overview
from evaluation.models import AdjustmentProposal, EvaluationRun, IndicatorResult
from pages import views
from participation.indicators import services as definition_services
from tests.participation.fixtures import endorse, perception_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Action = AdjustmentProposal.Action
RUN_AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def make(name, *, kind=Amenagement.Kind.BIKE_LANE, commune="Lyon", offset=0.0):
    return amenagement_services.amenagement_create(
        name=name,
        kind=kind,
        status=Amenagement.Status.TESTING,
        geom=LineString((4.83 + offset, 45.76), (4.835 + offset, 45.761), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=amenagement_services.commune_get_or_create(name=commune),
    )


def run(amenagement, *, at=RUN_AT, actions=(), results=()):
    """A run at `at` with proposals (in this pk order) and (definition, status) results."""
    made = EvaluationRun.objects.create(
        amenagement=amenagement, as_of=at.date(), frequency="daily", method_version="test"
    )
    EvaluationRun.objects.filter(pk=made.pk).update(created_at=at)  # auto_now_add otherwise
    for action in actions:
        AdjustmentProposal.objects.create(
            amenagement=amenagement, run=made, action=action, rationale="Parce que."
        )
    for definition, status in results:
        IndicatorResult.objects.create(run=made, definition=definition, status=status)
    return made


@pytest.fixture
def definitions(panel, member, member2, facilitator):
    """Three adopted indicators of one panel."""
    adopted = []
    for code in ("securite", "confort", "continuite"):
        proposed = definition_services.definition_propose(
            panel=panel, proposed_by=member, text=perception_text(code=code, name=code.title())
        )
        endorse(proposed, member, member2)
        adopted.append(definition_services.definition_adopt(definition=proposed, by=facilitator))
    return adopted


def outcomes(filters=None):
    rows = overview.overview_list(filters=filters or overview.OverviewFilters())
    return {a.name: a.outcome for a in rows}


def test_the_outcome_is_the_leading_proposal_of_the_latest_run():
    never = make("Jamais évaluée")
    silent = make("Sans proposition")
    run(silent)
    mixed = make("Données puis ajustement")
    run(mixed, actions=[Action.COLLECT_MORE_DATA, Action.ADJUST])
    only_data = make("Seulement des données")
    run(only_data, actions=[Action.COLLECT_MORE_DATA])
    first = make("Deux actions")
    run(first, actions=[Action.KEEP_AND_MONITOR, Action.REDESIGN_OR_REMOVE])
    superseded = make("Verdict ancien")
    run(superseded, at=RUN_AT - dt.timedelta(days=30), actions=[Action.MAKE_PERMANENT])
    run(superseded)  # the newest run proposes nothing: the older verdict no longer counts
    tie = make("Même instant")
    run(tie, actions=[Action.EXTEND])
    run(tie, actions=[Action.ADD_SEPARATION])  # same created_at: the higher pk is the latest

    assert outcomes() == {
        never.name: "not_evaluated",
        silent.name: "no_proposal",
        mixed.name: "adjust",
        only_data.name: "collect_more_data",
        first.name: "keep_and_monitor",
        superseded.name: "no_proposal",
        tie.name: "add_separation",
    }


def test_the_list_is_ordered_by_outcome_then_name():
    run(make("B garder"), actions=[Action.KEEP_AND_MONITOR])
    make("A jamais")
    run(make("C pérenniser"), actions=[Action.MAKE_PERMANENT])
    run(make("A garder"), actions=[Action.KEEP_AND_MONITOR])
    run(make("D rien"))
    names = [a.name for a in overview.overview_list(filters=overview.OverviewFilters())]
    assert names == ["C pérenniser", "A garder", "B garder", "D rien", "A jamais"]


def test_rows_count_the_latest_runs_results_and_show_the_leading_proposals_status(definitions):
    safety, comfort, continuity = definitions
    amenagement = make("Piste comptée")
    run(
        amenagement,
        at=RUN_AT - dt.timedelta(days=1),
        results=[(safety, "met"), (comfort, "met"), (continuity, "met")],
    )
    latest = run(
        amenagement,
        actions=[Action.COLLECT_MORE_DATA, Action.ADJUST],
        results=[(safety, "met"), (comfort, "missed"), (continuity, "not_enough_data")],
    )
    latest.proposals.filter(action=Action.ADJUST).update(
        status="accepted", decided_at=timezone.now(), decision_note="Travaux en mai."
    )
    (row,) = overview.with_labels(overview.overview_list(filters=overview.OverviewFilters()))
    assert (row.latest_run_id, row.latest_run_at) == (latest.pk, RUN_AT)
    assert (row.indicators_met, row.indicators_missed, row.indicators_not_enough_data) == (1, 1, 1)
    assert (row.outcome, row.leading_status) == ("adjust", "accepted")
    assert row.leading_status_label == AdjustmentProposal.Status.ACCEPTED.label
    assert row.outcome_label == Action.ADJUST.label


def test_an_arrangement_never_evaluated_counts_nothing():
    make("Jamais évaluée")
    (row,) = overview.overview_list(filters=overview.OverviewFilters())
    assert row.latest_run_id is None
    assert (row.indicators_met, row.indicators_missed, row.indicators_not_enough_data) == (0, 0, 0)
    assert row.leading_status is None


@pytest.fixture
def city():
    """Lyon: two bike lanes (adjust, never evaluated); Villeurbanne: a greenway (adjust)."""
    run(make("Lyon A"), actions=[Action.ADJUST])
    make("Lyon B", offset=0.01)
    run(
        make("Villeurbanne C", kind=Amenagement.Kind.GREENWAY, commune="Villeurbanne", offset=0.02),
        actions=[Action.ADJUST],
    )


def test_filters_narrow_by_commune_kind_and_outcome(city):
    Filters = overview.OverviewFilters
    assert set(outcomes(Filters(commune="lyon"))) == {"Lyon A", "Lyon B"}
    assert set(outcomes(Filters(kind="greenway"))) == {"Villeurbanne C"}
    assert set(outcomes(Filters(outcome="adjust"))) == {"Lyon A", "Villeurbanne C"}
    assert set(outcomes(Filters(commune="lyon", outcome="not_evaluated"))) == {"Lyon B"}


def test_unknown_filter_values_are_ignored():
    filters = overview.OverviewFilters.from_query(
        {"outcome": "demolish", "kind": "rocket", "commune": "lyon"}
    )
    assert filters == overview.OverviewFilters(commune="lyon")
    assert filters.as_query(outcome="no_proposal") == {"commune": "lyon", "outcome": "no_proposal"}


def test_facets_count_each_filter_given_the_others(city):
    facets = overview.overview_facets(
        filters=overview.OverviewFilters(commune="lyon", outcome="adjust")
    )
    # outcomes within Lyon; kinds within Lyon's "adjust"; communes among every "adjust"
    assert [(v, n) for v, _label, n in facets["outcome"]] == [("adjust", 1), ("not_evaluated", 1)]
    assert [(v, n) for v, _label, n in facets["kind"]] == [("bike_lane", 1)]
    assert [(v, n) for v, _label, n in facets["commune"]] == [("lyon", 1), ("villeurbanne", 1)]


def geojson(client, **params):
    response = client.get(reverse("pages:overview"), {"format": "geojson", **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_the_map_layer_carries_each_outcome_and_follows_the_filters(client, city):
    data = geojson(client)
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["name"]: f["properties"]["outcome"] for f in data["features"]} == {
        "Lyon A": "adjust",
        "Lyon B": "not_evaluated",
        "Villeurbanne C": "adjust",
    }
    assert data["features"][0]["geometry"]["type"] == "LineString"
    assert [f["id"] for f in geojson(client, commune="lyon", outcome="adjust")["features"]] == [
        "lyon-a"
    ]
    assert geojson(client, outcome="make_permanent")["features"] == []


@pytest.mark.parametrize("count", [1, 30])
def test_the_map_layer_takes_one_query(client, django_assert_num_queries, count, definitions):
    for i in range(count):
        run(make(f"Rue {i}", offset=i * 0.001), actions=[Action.ADJUST])
    with django_assert_num_queries(1):
        data = geojson(client)
    assert len(data["features"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_query_count_does_not_grow_with_the_list(
    client, django_assert_num_queries, count, definitions
):
    for i in range(count):
        amenagement = make(f"Rue {i}", offset=i * 0.001)
        if i % 3:
            run(
                amenagement,
                actions=[Action.COLLECT_MORE_DATA, Action.KEEP_AND_MONITOR],
                results=[(d, "met") for d in definitions],
            )
    # session-less visitor: paginator count, the page's rows, the three facet counts and the
    # data sources.
    with django_assert_num_queries(6):
        response = client.get(reverse("pages:overview"))
    assert response.status_code == 200


def test_the_page_lists_arrangements_by_outcome_with_links_to_their_evaluation(client, city):
    response = client.get(reverse("pages:overview"))
    html = response.content.decode()
    assert '<html lang="fr">' in html
    # the counts per outcome, which are also links that filter
    assert 'href="?outcome=adjust"' in html
    assert 'href="?outcome=not_evaluated"' in html
    # one table per outcome, in the rule's order
    assert html.index('data-outcome-group="adjust"') < html.index(
        'data-outcome-group="not_evaluated"'
    )
    assert html.count("<table") == 2
    assert 'href="/amenagements/lyon-a/#evaluation"' in html
    assert 'href="?commune=villeurbanne"' in html
    assert 'href="?kind=greenway"' in html
    assert "3 aménagements" in html
    # the legend names every outcome, and the map is wired to the page's address
    for value, _label in overview.OUTCOMES:
        assert f'data-outcome="{value}"' in html
    assert 'data-overview-map data-geojson-url="/evaluations/"' in " ".join(html.split())
    assert "/static/js/overview-map.js" in html


def test_a_filter_narrows_the_page_and_an_htmx_request_gets_only_the_results(client, city):
    response = client.get(reverse("pages:overview"), {"outcome": "adjust"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="results"')
    assert 'data-query="outcome=adjust"' in html
    assert "2 aménagements" in html
    assert "lyon-b" not in html
    assert 'data-value="adjust" aria-current="true"' in html


def test_a_row_says_when_the_proposal_was_decided_and_when_it_was_never_evaluated(client):
    latest = run(make("Piste décidée"), actions=[Action.MAKE_PERMANENT])
    latest.proposals.update(status="rejected", decided_at=timezone.now(), decision_note="Non.")
    make("Piste oubliée", offset=0.01)
    html = client.get(reverse("pages:overview")).content.decode()
    decided = html.split('data-slug="piste-decidee"')[1].split("</tr>")[0]
    assert str(AdjustmentProposal.Status.REJECTED.label) in decided
    assert '<time datetime="2026-03-02">' in decided
    forgotten = html.split('data-slug="piste-oubliee"')[1].split("</tr>")[0]
    assert 'colspan="5"' in forgotten


def test_pages_of_the_list_keep_the_filters(client, city, monkeypatch):
    monkeypatch.setattr(views, "OVERVIEW_PAGE_SIZE", 1)
    html = client.get(reverse("pages:overview"), {"outcome": "adjust"}).content.decode()
    assert 'href="?outcome=adjust&amp;page=2"' in html
    page2 = client.get(reverse("pages:overview"), {"outcome": "adjust", "page": 2})
    assert "villeurbanne-c/#evaluation" in page2.content.decode()


def test_the_site_navigation_links_to_the_overview(client):
    html = client.get(reverse("pages:overview")).content.decode()
    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/evaluations/" aria-current="page"' in nav
    other = client.get(reverse("indicators:catalogue")).content.decode()
    assert 'href="/evaluations/"' in other.split('class="site-nav"')[1].split("</nav>")[0]
