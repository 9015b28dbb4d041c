"""The selectors that feed the evaluation engine, on a small city in the real database."""

import datetime as dt

from evaluation.engine import Frequency, Theme
from evaluation.inputs import evaluation_inputs
from participation.indicators import services as definition_services
from tests.participation.fixtures import endorse, perception_text
from usage.models import Length as UsageLength
from usage.models import MonthlyTotal, Outage

from .fixtures import (
    CREATED,
    INCOMPLETE_DAY,
    LAST_DAY,
    OUTAGE,
    city_fixture,  # noqa: F401 -- the `city` fixture
    counter,
    rate,
)

AS_OF = LAST_DAY


def _controls_of_creation(inputs):
    (created,) = [a for a in inputs.engine.adaptations if a.date == CREATED]
    return created.control_counters


def test_treated_counters_are_the_arrangements_links(city):
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    assert inputs.engine.treated_counters == {city.treated.pk}


def test_controls_are_same_commune_counters_not_adapted_in_the_window(city):
    controls = _controls_of_creation(evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF))
    # linked to a Lyon arrangement created long before: a control
    assert city.quiet_control.pk in controls
    # linked to a Lyon arrangement created within the after window (2020-06-15): not a control
    assert city.adapted_neighbour.pk not in controls
    # unlinked, same source as the treated counter: stands in the same commune
    assert city.unlinked_same_source.pk in controls
    # unlinked from another source, or linked to an arrangement of another commune: not
    assert city.unlinked_other_source.pk not in controls
    assert city.other_commune.pk not in controls
    assert city.treated.pk not in controls


def test_controls_depend_on_the_adaptations_window_not_on_as_of(city):
    """The neighbour was created in the after window of the creation: whatever the date of
    the evaluation, its counter does not control that adaptation."""
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=dt.date(2020, 6, 1))
    assert city.adapted_neighbour.pk not in _controls_of_creation(inputs)  # still in the window
    late = evaluation_inputs(amenagement=city.amenagement, as_of=dt.date(2022, 1, 1))
    assert city.adapted_neighbour.pk not in _controls_of_creation(late)


def test_counts_come_from_the_daily_rollup_with_outages_and_incomplete_days_flagged(city):
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    assert inputs.engine.frequency is Frequency.DAILY
    rows = {(r.counter, r.period): r for r in inputs.engine.counts}
    treated = city.treated.pk
    assert rows[(treated, OUTAGE[0])].outage
    assert rows[(treated, OUTAGE[1] - dt.timedelta(days=1))].outage
    assert not rows[(treated, OUTAGE[1])].outage
    assert not rows[(treated, INCOMPLETE_DAY)].complete
    assert rows[(treated, INCOMPLETE_DAY + dt.timedelta(days=1))].complete
    assert [(o.counter, o.start, o.end) for o in inputs.engine.outages] == [(treated, *OUTAGE)]
    # counters that can never be controls are not read
    assert {r.counter for r in inputs.engine.counts}.isdisjoint(
        {city.unlinked_other_source.pk, city.other_commune.pk}
    )


def test_counts_stop_at_as_of(city):
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=dt.date(2020, 7, 1))
    assert max(r.period for r in inputs.engine.counts) == dt.date(2020, 7, 1)


def test_adaptations_carry_their_version_number(city):
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    assert [(a.date, a.kind, a.version) for a in inputs.engine.adaptations] == [
        (CREATED, "created", 1)
    ]


def test_adopted_indicators_and_ratings_become_engine_inputs(city, adopted, member, member2):
    adopted.panel.communes.add(city.amenagement.commune)
    rate(city.amenagement, adopted, [member, member2], [2, 5], positions=[10.0, None])
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=dt.date(2100, 1, 1))
    (spec,) = inputs.engine.indicators
    assert (spec.code, spec.target, spec.min_sample, spec.theme) == (
        "securite",
        3.5,
        30,
        Theme.SAFETY,
    )
    assert inputs.definitions == {"securite": adopted}
    assert sorted((r.value, r.position_m, r.version) for r in inputs.engine.ratings) == [
        (2, 10.0, 1),
        (5, None, 1),
    ]
    assert all(r.profiles == {"cyclist"} for r in inputs.engine.ratings)


def test_ratings_given_after_as_of_are_left_out(city, adopted, member):
    adopted.panel.communes.add(city.amenagement.commune)
    rate(city.amenagement, adopted, [member], [3])
    assert evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF).engine.ratings == ()


def test_the_theme_is_the_one_the_panel_chose_not_a_guess_from_the_name(
    city, panel, member, member2, facilitator
):
    panel.communes.add(city.amenagement.commune)

    def adopt(code, name, theme):
        text = perception_text(code=code, name=name, theme=theme)
        proposal = definition_services.definition_propose(
            panel=panel, proposed_by=member, text=text
        )
        endorse(proposal, member, member2)
        return definition_services.definition_adopt(definition=proposal, by=facilitator)

    named_safety = adopt("securite-2", "Sécurité", "general")
    named_comfort = adopt("confort", "Confort", "safety")
    named_nothing = adopt("itineraire", "Itinéraire", "continuity")
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    themes = {spec.code: spec.theme for spec in inputs.engine.indicators}
    assert themes == {
        named_safety.code: Theme.GENERAL,
        named_comfort.code: Theme.SAFETY,
        named_nothing.code: Theme.CONTINUITY,
    }


def test_line_length_is_measured_in_the_metric_crs(city):
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    assert 300 < inputs.engine.line_length_m < 320  # 0.004° of longitude at 45.76° N


def test_selectors_read_rollups_in_a_fixed_number_of_queries(
    city, adopted, member, django_assert_num_queries
):
    adopted.panel.communes.add(city.amenagement.commune)
    rate(city.amenagement, adopted, [member], [4])
    with django_assert_num_queries(10) as captured:
        evaluation_inputs(amenagement=city.amenagement, as_of=dt.date(2100, 1, 1))
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "usage_dailytotal" in sql
    assert "usage_reading" not in sql


def test_counters_with_monthly_data_only_are_read_from_the_monthly_rollup(amenagement):
    """The Lyon case: monthly totals only. Months with an outage or missing days are flagged."""
    treated = counter("M1", linked_to=amenagement)
    months = [dt.date(2019, m, 1) for m in range(1, 13)] + [dt.date(2020, m, 1) for m in (1, 2)]
    MonthlyTotal.objects.bulk_create(
        MonthlyTotal(
            counter=treated,
            month=month,
            count=30_000,
            days=27 if month == dt.date(2019, 3, 1) else 31,
            days_expected=31,
            source_length=UsageLength.MONTH,
        )
        for month in months
    )
    # the last day of June only: a month overlapped by a single day of outage is flagged
    Outage.objects.create(
        counter=treated, start=dt.date(2019, 6, 30), end=dt.date(2019, 7, 1), kind="missing"
    )
    inputs = evaluation_inputs(amenagement=amenagement, as_of=dt.date(2020, 2, 29))
    assert inputs.engine.frequency is Frequency.MONTHLY
    rows = {r.period: r for r in inputs.engine.counts}
    assert sorted(rows) == months
    assert [p for p, r in rows.items() if r.outage] == [dt.date(2019, 6, 1)]
    assert [p for p, r in rows.items() if not r.complete] == [dt.date(2019, 3, 1)]


def test_admin_lists_runs_and_proposals_read_only(city, admin_client):
    from evaluation.services import evaluation_run

    evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    for name in ("evaluationrun", "adjustmentproposal"):
        response = admin_client.get(f"/admin/indicators/{name}/")
        assert response.status_code == 200
        assert admin_client.get(f"/admin/indicators/{name}/add/").status_code == 403


def test_an_imports_first_sighting_is_not_an_adaptation(city):
    """Created by a snapshot dated 2024-10-01, opening date unknown: that date says when the
    network's owner first listed the lane, not when it opened, so no effect is measured at it
    and it does not keep the lane's counter from controlling others."""
    city.amenagement.adaptations.update(origin="import")
    city.amenagement.opened_on = None
    city.amenagement.save()
    assert evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF).engine.adaptations == ()


def test_a_counter_on_a_lane_only_first_listed_in_the_window_still_controls(city):
    neighbour = city.adapted_neighbour.links.get().amenagement  # opening date unknown
    neighbour.adaptations.update(origin="import")
    controls = _controls_of_creation(evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF))
    assert city.adapted_neighbour.pk in controls


def test_an_imports_creation_at_the_known_opening_date_is_kept(city):
    city.amenagement.adaptations.update(origin="import")  # opened_on == CREATED (fixture)
    inputs = evaluation_inputs(amenagement=city.amenagement, as_of=AS_OF)
    assert [(a.date, a.kind) for a in inputs.engine.adaptations] == [(CREATED, "created")]
