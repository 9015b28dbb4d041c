"""Residents' opinions: one contribution per resident and arrangement version, editing vs a new
contribution after an adaptation, snapping a spot onto the line, and the rules of the service.
"""

import datetime as dt
import threading

import pytest
from django.contrib.gis.geos import LineString
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from amenagements import services as amenagement_services
from amenagements.models import Adaptation, Amenagement
from participation.contributions import selectors, services
from participation.models import Contribution, IndicatorDefinition, Rating
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import (
    BESIDE_THE_LINE,
    FAR_FROM_THE_LINE,
    ON_THE_LINE,
    submit,
)

pytestmark = pytest.mark.django_db


def metric_length(geom) -> float:
    return geom.transform(2154, clone=True).length


# --- one contribution per resident and version ------------------------------------------------


def test_rating_again_edits_the_same_contribution(amenagement, alice, safety, comfort):
    first = submit(alice, amenagement, ratings={safety.pk: 2, comfort.pk: 4}, comment="Étroit.")
    again = submit(alice, amenagement, ratings={safety.pk: 3, comfort.pk: 4}, comment="Mieux.")

    assert first.created
    assert not again.created
    assert again.changed
    assert again.contribution.pk == first.contribution.pk
    assert Contribution.objects.count() == 1
    ratings = dict(Rating.objects.values_list("definition_id", "value"))
    assert ratings == {safety.pk: 3, comfort.pk: 4}
    assert Contribution.objects.get().comment == "Mieux."


def test_the_same_answers_again_change_nothing(amenagement, alice, safety):
    submit(alice, amenagement, ratings={safety.pk: 2}, profiles=["cyclist"])
    again = submit(alice, amenagement, ratings={safety.pk: 2}, profiles=["cyclist"])
    assert (again.created, again.changed) == (False, False)


def test_the_database_refuses_a_second_contribution_on_the_same_version(amenagement, alice):
    version = amenagement.versions.get()
    Contribution.objects.create(user=alice, version=version, comment="Un")
    with pytest.raises(IntegrityError, match="contribution_one_per_resident_and_version"):
        Contribution.objects.create(user=alice, version=version, comment="Deux")


def test_the_database_keeps_ratings_between_1_and_5(amenagement, alice, safety):
    contribution = submit(alice, amenagement, ratings={safety.pk: 3}).contribution
    with transaction.atomic(), pytest.raises(IntegrityError, match="rating_between_1_and_5"):
        Rating.objects.filter(contribution=contribution).update(value=6)
    with pytest.raises(IntegrityError, match="rating_one_per_indicator"):
        Rating.objects.create(contribution=contribution, definition=safety, value=2)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_submissions_create_exactly_one_contribution(
    amenagement, alice, safety, comfort
):
    start = threading.Barrier(20)
    outcomes, errors = [], []

    def send():
        try:
            connection.ensure_connection()  # connect first, so that the submissions overlap
            start.wait(timeout=10)
            outcomes.append(
                submit(
                    alice,
                    amenagement,
                    ratings={safety.pk: 4, comfort.pk: 2},
                    comment="Le carrefour est dangereux.",
                    point=BESIDE_THE_LINE,
                )
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(outcomes) == 20
    assert Contribution.objects.count() == 1
    assert Rating.objects.count() == 2
    assert sum(o.created for o in outcomes) == 1
    assert sum(o.changed for o in outcomes) == 1  # the other nineteen found it as it was


# --- versions ---------------------------------------------------------------------------------


def test_after_an_adaptation_a_new_contribution_starts_and_the_old_one_stays(
    amenagement, alice, safety
):
    before = submit(alice, amenagement, ratings={safety.pk: 1}, comment="Trop étroit.")
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.WIDENED,
        geom=LineString((4.8320, 45.7600), (4.8380, 45.7600), srid=4326),
    )
    after = submit(alice, amenagement, ratings={safety.pk: 4}, comment="Bien mieux.")

    assert after.created
    assert after.contribution.pk != before.contribution.pk
    old = Contribution.objects.get(pk=before.contribution.pk)
    assert (old.version.number, old.comment, old.ratings.get().value) == (1, "Trop étroit.", 1)
    assert (after.contribution.version.number, after.contribution.ratings.get().value) == (2, 4)

    amenagement.refresh_from_db()
    results = selectors.opinion_results(
        amenagement=amenagement,
        definitions=[safety],
        versions=list(amenagement.versions.all()),
    )
    assert [(v.number, v.result_for("securite").mean) for v in results] == [(2, 4.0), (1, 1.0)]


def test_a_form_shown_before_an_adaptation_writes_nothing_and_says_why(amenagement, alice, safety):
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.MOVED,
        geom=LineString((4.8320, 45.7602), (4.8360, 45.7602), srid=4326),
    )
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: 4}, expected_version=1)
    assert error.value.messages == [services.ERROR_VERSION_CHANGED % {"number": 2}]
    assert Contribution.objects.count() == 0


# --- spots ------------------------------------------------------------------------------------


def test_a_spot_beside_the_line_is_snapped_onto_it_and_located_along_it(
    amenagement, alice, safety, line
):
    contribution = submit(
        alice, amenagement, ratings={safety.pk: 2}, point=BESIDE_THE_LINE
    ).contribution

    assert contribution.point.y == pytest.approx(45.7600, abs=1e-6)
    assert contribution.point.x == pytest.approx(4.8330, abs=1e-6)
    assert contribution.point.srid == 4326
    assert contribution.position_m == pytest.approx(0.25 * metric_length(line), abs=1)


def test_a_spot_after_an_adaptation_is_located_on_the_new_layout(amenagement, alice, safety):
    # The new layout starts 0.001° (about 78 m) further west.
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.EXTENDED,
        geom=LineString((4.8310, 45.7600), (4.8360, 45.7600), srid=4326),
    )
    contribution = submit(
        alice, amenagement, ratings={safety.pk: 2}, point=ON_THE_LINE
    ).contribution
    extension = LineString((4.8310, 45.76), (4.8330, 45.76), srid=4326)
    assert contribution.position_m == pytest.approx(metric_length(extension), abs=1)


def test_a_spot_too_far_from_the_arrangement_is_refused_with_its_distance(
    amenagement, alice, safety, settings
):
    settings.TACTIQUE_PIN_MAX_DISTANCE_M = 50
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: 2}, point=FAR_FROM_THE_LINE)
    assert error.value.message_dict["point"] == [
        services.ERROR_PIN_TOO_FAR % {"distance": 111, "max": 50}
    ]
    assert Contribution.objects.count() == 0


# --- what may be said -------------------------------------------------------------------------


def test_no_opinion_withdraws_an_earlier_rating(amenagement, alice, safety, comfort):
    submit(alice, amenagement, ratings={safety.pk: 2, comfort.pk: 5})
    submit(alice, amenagement, ratings={safety.pk: None, comfort.pk: 5})
    assert list(Rating.objects.values_list("definition_id", "value")) == [(comfort.pk, 5)]


def test_an_opinion_without_rating_or_comment_is_refused(amenagement, alice, safety):
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: None}, profiles=["cyclist"])
    assert error.value.messages == [str(services.ERROR_EMPTY)]
    assert Contribution.objects.count() == 0


def test_a_question_not_asked_about_this_arrangement_is_refused(amenagement, alice, safety):
    usage = IndicatorDefinition.objects.create(
        panel=safety.panel,
        code="autre",
        name="Autre",
        kind="perception",
        question="Autre ?",
        scale_labels=["1", "2", "3", "4", "5"],
        unit="/ 5",
        target=3,
        applicable_kinds=["school_street"],
        proposed_at=safety.proposed_at,
    )
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={usage.pk: 3})
    assert error.value.messages == [str(services.ERROR_UNKNOWN_INDICATOR)]


@pytest.mark.parametrize("value", [0, 6, True])
def test_a_rating_outside_1_to_5_is_refused(amenagement, alice, safety, value):
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: value})
    assert error.value.message_dict[f"rating_{safety.pk}"] == [str(services.ERROR_RATING_RANGE)]


def test_unknown_profiles_and_overlong_comments_are_refused(amenagement, alice, safety):
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: 3}, profiles=["astronaut"])
    assert "profiles" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, comment="x" * 2001)
    assert error.value.message_dict["comment"] == [
        services.ERROR_COMMENT_TOO_LONG % {"length": 2001, "max": 2000}
    ]


def test_a_removed_arrangement_takes_no_opinion(amenagement, alice, safety):
    amenagement_services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2022, 1, 1), kind=Adaptation.Kind.REMOVED
    )
    assert Amenagement.objects.get().status == Amenagement.Status.REMOVED
    with pytest.raises(ValidationError) as error:
        submit(alice, amenagement, ratings={safety.pk: 3})
    assert error.value.messages == [str(services.ERROR_REMOVED)]


# --- results ----------------------------------------------------------------------------------


def test_results_give_mean_count_and_distribution_in_one_query(
    amenagement, alice, bruno, member, safety, comfort, django_assert_num_queries
):
    submit(alice, amenagement, ratings={safety.pk: 2, comfort.pk: 5})
    submit(bruno, amenagement, ratings={safety.pk: 4})
    submit(member, amenagement, ratings={safety.pk: 4})
    versions = list(amenagement.versions.all())

    with django_assert_num_queries(1):
        results = selectors.opinion_results(
            amenagement=amenagement, definitions=[safety, comfort], versions=versions
        )

    current = results[0]
    felt_safety = current.result_for("securite")
    assert (felt_safety.n, felt_safety.mean) == (3, pytest.approx(10 / 3))
    assert [s.count for s in felt_safety.steps] == [0, 1, 0, 2, 0]
    assert felt_safety.steps[0].label == "Pas du tout"
    assert (current.result_for("confort").n, current.result_for("confort").mean) == (1, 5.0)


def test_the_map_colour_values_are_each_arrangements_mean_on_its_current_version(
    amenagement, alice, bruno, safety, django_assert_num_queries
):
    submit(alice, amenagement, ratings={safety.pk: 2})
    submit(bruno, amenagement, ratings={safety.pk: 5})
    with django_assert_num_queries(1):
        values = selectors.colour_values(definition_id=safety.pk)
    assert values == {amenagement.slug: {"mean": 3.5, "n": 2}}
