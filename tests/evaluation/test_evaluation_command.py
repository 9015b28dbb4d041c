"""`manage.py evaluate` on a small city."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from evaluation.models import EvaluationRun

from .fixtures import (
    LAST_DAY,
    city_fixture,  # noqa: F401 -- the `city` fixture
)


def run(*args):
    """Run the command in English, so the assertions hold whatever the translations say."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_one_arrangement_is_evaluated_as_of_the_given_day(city):
    out, _err = run("--amenagement", city.amenagement.slug, "--as-of", LAST_DAY.isoformat())
    (evaluation,) = EvaluationRun.objects.all()
    assert (evaluation.amenagement, evaluation.as_of) == (city.amenagement, LAST_DAY)
    assert "1 evaluations as of 2020-08-31, 0 failures; 1 adaptation effects, 1 of them" in out


def test_all_evaluates_every_arrangement(city):
    out, _err = run("--all", "--as-of", LAST_DAY.isoformat())
    assert EvaluationRun.objects.count() == 4  # the tested one and its three neighbours
    assert out.startswith("4 evaluations")


def test_an_unknown_slug_is_an_error(db):
    with pytest.raises(CommandError, match="inconnu"):
        run("--amenagement", "inconnu")


def test_a_bad_date_is_an_error(db):
    with pytest.raises(CommandError, match="31/08/2020"):
        run("--all", "--as-of", "31/08/2020")


def test_not_evaluated_skips_the_arrangements_that_have_a_run(city):
    run("--amenagement", city.amenagement.slug, "--as-of", LAST_DAY.isoformat())
    out, _err = run("--all", "--not-evaluated", "--as-of", LAST_DAY.isoformat())
    assert out.startswith("3 evaluations")  # the three neighbours only
    assert EvaluationRun.objects.filter(amenagement=city.amenagement).count() == 1
    out, _err = run("--all", "--not-evaluated", "--as-of", LAST_DAY.isoformat())
    assert out.startswith("0 evaluations")


def test_not_evaluated_needs_all(city):
    with pytest.raises(CommandError, match="--all"):
        run("--amenagement", city.amenagement.slug, "--not-evaluated")
