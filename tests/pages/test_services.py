"""The services' dashboard (`/services/`): what needs attention, each item linking to where it is
handled; for staff only; its cost does not grow with the city (`pages.dashboard`)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from amenagements.models import Adaptation, Amenagement, PlannedAdaptation
from common.models import JobFailure
from evaluation.models import AdjustmentProposal, EvaluationRun, IndicatorResult
from participation.models import Contribution
from tests.amenagements.fixtures import make
from tests.participation.fixtures import (  # noqa: F401 -- fixtures
    _fresh_rate_limits,
    adopted,
    facilitator,
    member,
    member2,
    panel,
    proposal,
)
from usage.models import Counter, ImportRun, Outage

pytestmark = pytest.mark.django_db

URL = reverse("pages:services")


@pytest.fixture(autouse=True)
def _no_cached_count():
    cache.clear()


@pytest.fixture
def agent(db):
    return User.objects.create_user("agent", password="pw", is_staff=True)


def run_of(amenagement, days_ago=0):
    run = EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=timezone.localdate(),
        frequency="daily",
        parameters={},
        method_version="test",
        data_summary={},
    )
    EvaluationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return run


def city(adopted):  # noqa: F811 -- the fixture
    """One thing of each kind to handle, and one of each that is not to handle."""
    today = timezone.localdate()
    soon = make("Rue bientôt jugée")
    Amenagement.objects.filter(pk=soon.pk).update(decision_deadline=today + dt.timedelta(days=30))
    late = make("Rue en retard", offset=0.01)
    Amenagement.objects.filter(pk=late.pk).update(decision_deadline=today - dt.timedelta(days=3))
    far = make("Rue lointaine", offset=0.02)
    Amenagement.objects.filter(pk=far.pk).update(decision_deadline=today + dt.timedelta(days=90))

    old, latest = run_of(soon, days_ago=10), run_of(soon)
    AdjustmentProposal.objects.create(
        amenagement=soon, run=latest, action="add_separation", rationale="r"
    )
    AdjustmentProposal.objects.create(
        amenagement=soon, run=old, action="adjust", rationale="r", status="superseded"
    )
    IndicatorResult.objects.create(run=latest, definition=adopted, status="missed", alert=True)
    IndicatorResult.objects.create(run=old, definition=adopted, status="missed", alert=False)
    other = run_of(late)
    IndicatorResult.objects.create(run=other, definition=adopted, status="missed", alert=False)
    stale = run_of(far, days_ago=5)
    IndicatorResult.objects.create(run=stale, definition=adopted, status="missed", alert=True)
    run_of(far)  # a newer run without alert: the older alert is no longer news

    PlannedAdaptation.objects.create(
        amenagement=late,
        kind=Adaptation.Kind.SEPARATED,
        description="Plots",
        planned_for=today - dt.timedelta(days=1),
    )
    PlannedAdaptation.objects.create(
        amenagement=late,
        kind=Adaptation.Kind.WIDENED,
        description="Plus tard",
        planned_for=today + dt.timedelta(days=10),
    )
    resident = User.objects.create_user("habitante")
    Contribution.objects.create(
        user=resident, version=soon.versions.get(), comment="À relire", comment_status="pending"
    )
    counter = Counter.objects.create(
        source="test", external_id="C1", name="Compteur du quai", location="POINT(4.83 45.76)"
    )
    Outage.objects.create(
        counter=counter, start=today - dt.timedelta(days=2), end=today, kind="zero"
    )
    Outage.objects.create(
        counter=counter,
        start=today - dt.timedelta(days=40),
        end=today - dt.timedelta(days=38),
        kind="missing",
    )
    ImportRun.objects.create(kind="readings", source="test", file_name="mars.csv", rejected=3)
    ImportRun.objects.create(kind="readings", source="test", file_name="avril.csv", rejected=0)
    JobFailure.objects.create(
        task="common.send_email", job_id=1, attempt=5, final=True, error_type="SMTPError"
    )


def test_staff_see_what_needs_attention_with_links(client, agent, adopted):  # noqa: F811
    city(adopted)
    client.force_login(agent)

    response = client.get(URL)

    sections = {s.key: s for s in response.context["sections"]}
    labels = {key: [item.label for item in s.items] for key, s in sections.items()}
    assert labels["deadlines"] == ["Rue en retard", "Rue bientôt jugée"]
    assert [i.urgent for i in sections["deadlines"].items] == [True, False]
    assert labels["proposals"] == ["Rue bientôt jugée"]
    assert labels["alerts"] == ["Rue bientôt jugée"]
    assert labels["overdue"] == ["Rue en retard"]
    assert labels["moderation"] == ["Rue bientôt jugée"]
    assert labels["outages"] == ["Compteur du quai"]
    assert labels["imports"] == ["mars.csv", "common.send_email"]
    html = response.content.decode()
    soon = Amenagement.objects.get(name="Rue bientôt jugée")
    assert f'href="{soon.get_absolute_url()}#evaluation"' in html
    late = Amenagement.objects.get(name="Rue en retard")
    assert f'href="{reverse("amenagements:adapt", args=[late.slug])}"' in html
    assert f'href="{reverse("contributions:moderation")}"' in html
    run = ImportRun.objects.get(file_name="mars.csv")
    assert f'href="{reverse("usage:import_detail", args=[run.pk])}"' in html
    # The header counts what is to handle (not the outages): 2 + 1 + 1 + 1 + 1 + 2.
    assert '<span class="badge">8<span class="visually-hidden">' in html


def test_the_dashboard_costs_the_same_whatever_the_city(client, agent, adopted):  # noqa: F811
    client.force_login(agent)
    city(adopted)
    client.get(URL)  # the session, the count's cache

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(15):
        a = make(f"Autre rue {i}", offset=0.03 + i / 1000)
        Amenagement.objects.filter(pk=a.pk).update(decision_deadline=timezone.localdate())
        AdjustmentProposal.objects.create(
            amenagement=a, run=run_of(a), action="adjust", rationale="r"
        )
    cache.clear()
    client.get(URL)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert len(many) == len(few) + 2  # the two sections past 10 items count them
    assert _("The first %(n)s of %(total)s.") % {"n": 10, "total": 17} in response.content.decode()


def test_the_dashboard_is_for_staff(client, db):
    assert client.get(URL).status_code == 302
    client.force_login(User.objects.create_user("habitant"))
    assert client.get(URL).status_code == 403
    assert URL not in client.get(reverse("pages:map")).content.decode()


def test_an_empty_city_has_nothing_to_handle(client, agent):
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert html.count(_("Nothing to handle.")) == 7
