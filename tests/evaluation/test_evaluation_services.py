"""`evaluation_run`: the engine's result persisted, geometry cut by PostGIS, proposals
superseded by a newer run."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from evaluation.models import AdjustmentProposal, EvaluationRun, SegmentResult
from evaluation.services import evaluation_run
from tests.participation.fixtures import make_user

from .fixtures import (
    CREATED,
    LAST_DAY,
    city_fixture,  # noqa: F401 -- the `city` fixture
    rate,
)

FUTURE = dt.date(2100, 1, 1)  # after the ratings' creation date (today)
# savepoint, lock, 10 reads, run, 3 bulk inserts, segment geometry, the previous run's actions
# (to tell followers of a change), superseding, proposals, release (one more to read the hot
# spots when a proposal names some; three more to find the followers when the proposals change)
QUERIES_PER_RUN = 21


@pytest.fixture
def rated(city, adopted):
    """Twelve ratings along the line, the first 100 m all negative."""
    adopted.panel.communes.add(city.amenagement.commune)
    users = [make_user(f"Cycliste{i}") for i in range(12)]
    values = [1, 1, 2, 1, 2, 1, 5, 4, 5, 4, 5, 4]
    positions = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 150.0, 160.0, 170.0, 250.0, 260.0, 270.0]
    rate(city.amenagement, adopted, users, values, positions=positions)
    return city


def test_a_run_stores_its_date_method_data_and_results(rated, adopted, staff):
    run = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE, created_by=staff)
    assert (run.as_of, run.frequency, run.created_by) == (FUTURE, "daily", staff)
    assert run.method_version
    assert run.parameters["window_weeks"] == 8
    assert run.data_summary["treated_counters"] == [rated.treated.pk]
    assert run.data_summary["ratings"] == 12
    (result,) = run.indicator_results.all()
    assert result.definition == adopted
    assert result.n == 12
    assert result.status == "not_enough_data"  # 12 ratings, 30 needed
    assert result.details["ratings_needed"] == 18


def test_usage_effect_of_the_creation_is_estimated_against_controls(city):
    run = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    (effect,) = run.usage_effects.select_related("adaptation")
    assert effect.adaptation.date == CREATED
    assert effect.method.startswith("did_")
    assert effect.interval_low <= effect.percent_change <= effect.interval_high
    # the counts carry no effect: only day-to-day noise of a few percent
    assert abs(effect.percent_change) < 10
    assert set(effect.details["control_counters"]) == {
        city.quiet_control.pk,
        city.unlinked_same_source.pk,
    }


def test_segments_are_cut_along_the_line_in_metres(rated):
    run = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    segments = list(run.segments.order_by("index"))
    assert [(s.start_m, s.n) for s in segments][:3] == [(0.0, 6), (100.0, 3), (200.0, 3)]
    first = segments[0]
    assert first.geom is not None
    start = Point(rated.amenagement.geom.coords[0], srid=4326)
    assert first.geom.distance(start) < 1e-9
    measured = first.geom.transform(2154, clone=True).length
    assert measured == pytest.approx(100, abs=0.5)


def test_a_newer_run_supersedes_the_open_proposals_only(rated):
    first = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    proposals = list(first.proposals.all())
    assert proposals, "the engine proposes at least to collect more data"
    decided = proposals[0]
    decided.status = AdjustmentProposal.Status.REJECTED
    decided.decision_note = "Pas cette année."
    decided.decided_at = timezone.now()
    decided.save()
    second = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    statuses = dict(first.proposals.values_list("pk", "status"))
    assert statuses.pop(decided.pk) == "rejected"
    assert set(statuses.values()) <= {"superseded"}
    assert second.proposals.exists()
    assert set(second.proposals.values_list("status", flat=True)) == {"open"}
    assert EvaluationRun.objects.filter(amenagement=rated.amenagement).count() == 2


def test_proposals_state_their_evidence_in_french(rated):
    run = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    proposal = run.proposals.get(action="collect_more_data")
    assert "18" in proposal.rationale
    assert proposal.evidence["numbers"]["securite.n"] == 12


def test_the_database_refuses_a_decision_without_its_date(rated):
    run = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    proposal = run.proposals.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdjustmentProposal.objects.filter(pk=proposal.pk).update(
            status="accepted", decision_note="Oui."
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AdjustmentProposal.objects.filter(pk=proposal.pk).update(decided_at=timezone.now())


def test_the_database_refuses_an_unordered_segment(rated):
    run = evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    with pytest.raises(IntegrityError), transaction.atomic():
        SegmentResult.objects.filter(run=run, index=0).update(end_m=0)


def test_a_run_takes_a_fixed_number_of_queries(rated, django_assert_num_queries):
    """No query per indicator, adaptation, segment or proposal."""
    evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)
    with django_assert_num_queries(QUERIES_PER_RUN):
        evaluation_run(amenagement=rated.amenagement, as_of=FUTURE)


def test_a_proposal_naming_hot_spots_carries_their_geometry(city, adopted):
    """Twenty negative ratings in the first 100 m, twenty good ones beyond."""
    adopted.panel.communes.add(city.amenagement.commune)
    users = [make_user(f"Usager{i}") for i in range(40)]
    values = [1] * 20 + [5] * 20
    positions = [5.0 * i for i in range(20)] + [120.0 + 8 * i for i in range(20)]
    rate(city.amenagement, adopted, users, values, positions=positions)
    run = evaluation_run(amenagement=city.amenagement, as_of=FUTURE)
    (hot,) = run.segments.filter(hot_spot=True)
    assert (hot.start_m, hot.end_m) == (0.0, 100.0)
    (proposal,) = run.proposals.filter(segment_geom__isnull=False)
    assert proposal.segment_geom.equals_exact(hot.geom, tolerance=1e-9)
    assert proposal.evidence["segments"] == [
        {"indicator_code": "securite", "start_m": 0.0, "end_m": 100.0}
    ]


def test_the_regional_holidays_of_the_settings_are_left_out(city, settings):
    metropolitan = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    settings.TACTIQUE_HOLIDAY_SUBDIVISION = "57"  # Moselle: Good Friday off too
    regional = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    assert metropolitan.parameters["holiday_subdivision"] is None
    assert regional.parameters["holiday_subdivision"] == "57"
    # Good Friday, 10 April 2020, lies in the creation's before window.
    assert (
        regional.data_summary["holidays_excluded"]
        == metropolitan.data_summary["holidays_excluded"] + 1
    )
    before, after = (
        run.usage_effects.get().details["observations"] for run in (metropolitan, regional)
    )
    assert after < before


def test_an_unknown_holiday_region_is_reported_at_start_up(settings):
    from django.core.checks import run_checks

    settings.TACTIQUE_HOLIDAY_SUBDIVISION = "Alsace-Lorraine"
    errors = [e for e in run_checks() if e.id == "tactique.E101"]
    assert len(errors) == 1
    assert "Alsace-Lorraine" in errors[0].msg
    assert "6AE" in errors[0].hint
    settings.TACTIQUE_HOLIDAY_SUBDIVISION = "Alsace"
    assert not [e for e in run_checks() if e.id == "tactique.E101"]
