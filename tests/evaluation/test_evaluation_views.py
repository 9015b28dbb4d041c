"""The evaluation section of an arrangement's page and the staff button that runs it."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext

from common.models import JobFailure
from evaluation.models import EvaluationRun
from evaluation.permissions import can_run_evaluation
from evaluation.selectors import latest_evaluation
from evaluation.services import evaluation_run
from tests.jobs import queued_jobs, run_queued_jobs
from tests.participation.fixtures import PASSWORD, make_user

from .fixtures import (
    FIRST_DAY,
    LAST_DAY,
    city_fixture,  # noqa: F401 -- the `city` fixture
    daily_totals,
)

pytestmark = pytest.mark.django_db


def grant(user):
    user.user_permissions.add(Permission.objects.get(codename="add_evaluationrun"))
    return type(user).objects.get(pk=user.pk)  # fresh instance: no cached permissions


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def url(amenagement):
    return reverse("evaluation:run", kwargs={"slug": amenagement.slug})


def test_only_active_staff_with_the_permission_run_evaluations(db):
    assert not can_run_evaluation(AnonymousUser())
    assert not can_run_evaluation(make_user("Habitant"))
    assert not can_run_evaluation(grant(make_user("HabitantPerm")))
    assert not can_run_evaluation(make_user("AgentSansDroit", staff=True))
    assert can_run_evaluation(grant(make_user("Agent2", staff=True)))
    assert can_run_evaluation(make_user("Admin", staff=True, superuser=True))
    former = grant(make_user("Ancien", staff=True))
    former.is_active = False
    assert not can_run_evaluation(former)


def test_anonymous_visitors_are_sent_to_log_in(client, amenagement):
    response = client.post(url(amenagement))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize("staff", [False, True], ids=["resident", "staff-without-permission"])
def test_residents_and_staff_without_the_permission_are_refused(client, amenagement, staff):
    login(client, make_user("Quidam", staff=staff))
    response = client.post(url(amenagement))
    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_get_is_not_allowed(client, amenagement):
    login(client, grant(make_user("Agent3", staff=True)))
    assert client.get(url(amenagement)).status_code == 405
    assert not EvaluationRun.objects.exists()


def test_staff_with_the_permission_run_an_evaluation_and_see_it(
    client, amenagement, adopted, settings
):
    adopted.panel.communes.add(amenagement.commune)
    agent = grant(make_user("Agente", staff=True))
    login(client, agent)
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert url(amenagement) in page  # the button, since she may run it
    response = client.post(url(amenagement))
    assert response.status_code == 302
    assert response["Location"] == amenagement.get_absolute_url() + "#evaluation"
    # Queued, once however often the button is pressed; the page says so.
    assert not EvaluationRun.objects.exists()
    client.post(url(amenagement))
    assert len(queued_jobs("evaluation.evaluate_arrangement")) == 1
    page = client.get(response["Location"]).content.decode()
    assert (
        gettext("An evaluation is queued; its result will appear here (reload the page).") in page
    )

    assert run_queued_jobs() == 1
    run = EvaluationRun.objects.get()
    assert (run.amenagement, run.created_by) == (amenagement, agent)
    page = client.get(response["Location"]).content.decode()
    assert 'id="evaluation"' in page
    assert adopted.name in page
    assert "<caption>" in page
    assert 'scope="row"' in page


def test_a_failed_evaluation_is_shown_to_the_staff_until_one_succeeds(client, amenagement, adopted):
    """The worker records a failed job (tests/common/test_jobs.py); the page shows it."""
    adopted.panel.communes.add(amenagement.commune)
    agent = grant(make_user("Agente", staff=True))
    JobFailure.objects.create(
        task="evaluation.evaluate_arrangement",
        job_id=1,
        attempt=1,
        final=True,
        arguments={"amenagement_id": amenagement.pk, "by_id": agent.pk},
        error_type="ValueError",
        error="Le compteur C1 a deux comptages pour le 2024-05-01.",
    )
    login(client, agent)
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert "deux comptages pour le 2024-05-01" in page
    client.logout()
    assert "deux comptages" not in client.get(amenagement.get_absolute_url()).content.decode()

    login(client, agent)
    client.post(url(amenagement))
    run_queued_jobs()
    assert EvaluationRun.objects.exists()
    assert "deux comptages" not in client.get(amenagement.get_absolute_url()).content.decode()


def test_the_button_is_hidden_from_the_public(client, amenagement):
    page = client.get(amenagement.get_absolute_url()).content.decode()
    assert 'id="evaluation"' in page
    assert url(amenagement) not in page


def test_the_partial_says_when_there_is_no_evaluation_yet(amenagement):
    html = render_to_string(
        "evaluation/_evaluation.html",
        {"amenagement": amenagement, "evaluation": None, "can_run_evaluation": False},
    )
    assert "not been evaluated yet" in html or "pas encore été évalué" in html
    assert "<table" not in html


def test_the_partial_shows_usage_effects_with_method_and_caveats(city):
    evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    run = latest_evaluation(amenagement=city.amenagement)
    html = render_to_string(
        "evaluation/_evaluation.html",
        {"amenagement": city.amenagement, "evaluation": run, "can_run_evaluation": False},
    )
    (effect,) = run.usage_effects.all()
    assert escape(str(effect.method_label)) in html
    assert "95" in html


def test_latest_evaluation_is_none_without_a_run(amenagement, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert latest_evaluation(amenagement=amenagement) is None


@pytest.mark.parametrize("runs", [1, 3])
def test_latest_evaluation_takes_five_queries(city, django_assert_num_queries, runs):
    for _ in range(runs):
        last = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    # the run, its indicator results with definitions, usage effects with adaptations, its
    # open proposals and its hot spots with their indicators
    with django_assert_num_queries(5):
        run = latest_evaluation(amenagement=city.amenagement)
        effects = list(run.usage_effects.all())
        [r.definition.name for r in run.indicator_results.all()]
        [e.adaptation.date for e in effects]
        [p.rationale for p in run.open_proposals]
        [s.definition.name for s in run.hot_spots]
    assert run == last


def test_each_effect_shows_its_placebo_test_and_week_by_week_chart(client, city):
    evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    page = client.get(city.amenagement.get_absolute_url()).content.decode()
    (effect,) = latest_evaluation(amenagement=city.amenagement).usage_effects.all()
    placebo = effect.details["placebo"]
    assert placebo["date"] == "2020-04-13"  # four weeks before the creation, 2020-05-11
    assert "Test placebo (une fausse adaptation le 13 avril 2020" in page
    # The chart is an inline SVG drawn on the server, with its numbers in a table.
    assert "Semaine par semaine autour de l’adaptation" in page
    weeks = [p["offset"] for p in effect.details["event_study"]]
    assert weeks == [*range(-8, 0), *range(1, 9)]
    assert page.count('<tr><th scope="row">') == len(weeks)
    assert "<script" not in page.split('id="evaluation"')[1].split("</section>")[0]


def test_each_effect_shows_the_year_over_year_figure_when_a_year_earlier_is_counted(client, city):
    # Counts a year before the fixture's summer, on the same days of the week (364 days).
    shift = dt.timedelta(days=364)
    for made in (city.treated, city.quiet_control, city.unlinked_same_source):
        daily_totals(made, base=500, first=FIRST_DAY - shift, last=LAST_DAY - shift)
    evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    (effect,) = latest_evaluation(amenagement=city.amenagement).usage_effects.all()
    yoy = effect.details["year_over_year"]
    assert yoy["counters"] == [city.treated.pk]
    page = client.get(city.amenagement.get_absolute_url()).content.decode()
    change = formats.number_format(yoy["percent"], 1)
    assert f"D’une année sur l’autre : {change} %" in page
    assert "sur 1 compteur, le même les deux années ; sans correction par les compteurs" in page
