"""Per-commune scope: an agent of commune A adapts, evaluates, decides, moderates, imports
adaptations and records counts on A's arrangements only (`amenagements.permissions`)."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.gis.geos import LineString
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from amenagements import services
from amenagements.bulk.services import REJECT_OUT_OF_SCOPE
from amenagements.models import Adaptation, Amenagement, Commune, PlannedAdaptation
from amenagements.permissions import (
    ERROR_COMMUNE_OUT_OF_SCOPE,
    can_record_adaptation,
    commune_scope,
)
from evaluation.models import AdjustmentProposal, EvaluationRun
from evaluation.permissions import can_decide_proposal, can_run_evaluation
from participation.models import Contribution
from participation.models.opinions import CommentStatus
from usage.models import ManualCount
from usage.permissions import can_record_manual_count

pytestmark = pytest.mark.django_db

SERVICE_PERMISSIONS = (
    "add_adaptation",
    "add_amenagement",
    "add_evaluationrun",
    "change_adjustmentproposal",
    "add_manualcount",
)


def arrangement(name, commune, offset=0.0):
    return services.amenagement_create(
        name=name,
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString((4.83 + offset, 45.76), (4.835 + offset, 45.761), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=commune,
        decision_deadline=timezone.localdate() + dt.timedelta(days=20),
    )


def account(name, *communes):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=SERVICE_PERMISSIONS))
    group, _created = Group.objects.get_or_create(name=settings.TACTIQUE_MODERATORS_GROUP)
    user.groups.add(group)
    for commune in communes:
        commune.agents.add(user)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions nor scope


@pytest.fixture
def city():
    lyon = Commune.objects.create(name="Lyon", slug="lyon")
    villeurbanne = Commune.objects.create(name="Villeurbanne", slug="villeurbanne")
    return {
        "lyon": lyon,
        "villeurbanne": villeurbanne,
        "in_lyon": arrangement("Quai de Saône", lyon),
        "in_villeurbanne": arrangement("Cours Émile-Zola", villeurbanne, offset=0.02),
        "nowhere": arrangement("Chemin sans commune", None, offset=0.04),
    }


@pytest.fixture
def lyon_agent(city):
    return account("agent-lyon", city["lyon"])


def open_proposal(amenagement):
    run = EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=timezone.localdate(),
        frequency="daily",
        parameters={},
        method_version="test",
        data_summary={},
    )
    return AdjustmentProposal.objects.create(
        amenagement=amenagement,
        run=run,
        action=AdjustmentProposal.Action.REDESIGN_OR_REMOVE,
        rationale="Peu utilisé.",
    )


def reported_comment(amenagement, author):
    return Contribution.objects.create(
        user=User.objects.create_user(author),
        version=amenagement.versions.get(),
        comment=f"Commentaire signalé sur {amenagement.name}.",
        comment_status=CommentStatus.REPORTED,
    )


def test_an_agent_acts_on_the_arrangements_of_its_communes_only(city, lyon_agent):
    city_wide = account("agent-metropole")
    superuser = User.objects.create_superuser("admin", password="pw")
    superuser.agent_communes.add(city["villeurbanne"])  # a superuser is never limited
    predicates = (
        can_record_adaptation,
        can_run_evaluation,
        can_decide_proposal,
        can_record_manual_count,
    )

    for predicate in predicates:
        assert predicate(lyon_agent, city["in_lyon"]), predicate.__name__
        assert not predicate(lyon_agent, city["in_villeurbanne"]), predicate.__name__
        assert not predicate(lyon_agent, city["nowhere"]), predicate.__name__
        assert predicate(lyon_agent), predicate.__name__  # somewhere: its pages and menus
        for everywhere in (city_wide, superuser):
            assert predicate(everywhere, city["in_villeurbanne"]), predicate.__name__
            assert predicate(everywhere, city["nowhere"]), predicate.__name__
    assert commune_scope(lyon_agent) == {city["lyon"].pk}
    assert commune_scope(city_wide) is None


def test_an_agent_cannot_adapt_nor_cancel_outside_its_communes(client, city, lyon_agent):
    client.force_login(lyon_agent)
    other = city["in_villeurbanne"]
    adapt = reverse("amenagements:adapt", args=[other.slug])
    posted = {"date": "2024-03-01", "kind": "widened", "description": "Élargie.", "status": ""}

    assert client.get(reverse("amenagements:adapt", args=[city["in_lyon"].slug])).status_code == 200
    assert client.get(adapt).status_code == 403
    assert client.post(adapt, posted).status_code == 403
    assert other.adaptations.count() == 1  # its creation only
    planned = PlannedAdaptation.objects.create(
        amenagement=other, kind=Adaptation.Kind.WIDENED, description="Élargir."
    )
    cancel = reverse("amenagements:planned_cancel", args=[other.slug, planned.pk])
    assert client.post(cancel, {"reason": "Plus utile."}).status_code == 403
    planned.refresh_from_db()
    assert planned.status == PlannedAdaptation.Status.PLANNED


def test_an_agent_cannot_evaluate_decide_nor_count_outside_its_communes(client, city, lyon_agent):
    client.force_login(lyon_agent)
    other = city["in_villeurbanne"]
    proposal = open_proposal(other)
    proposal_url = reverse("evaluation:proposal", args=[other.slug, proposal.pk])

    assert client.post(reverse("evaluation:run", args=[other.slug])).status_code == 403
    page = client.get(proposal_url)
    assert page.status_code == 200
    assert page.context["form"] is None  # no decision form out of its scope
    decided = client.post(proposal_url, {"decision": "reject", "note": "Non."})
    assert decided.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == AdjustmentProposal.Status.OPEN
    assert client.get(reverse("usage:manual_count", args=[other.slug])).status_code == 403
    assert not ManualCount.objects.exists()
    own = open_proposal(city["in_lyon"])
    own_page = client.get(reverse("evaluation:proposal", args=[city["in_lyon"].slug, own.pk]))
    assert own_page.context["form"] is not None


def test_an_agent_moderates_the_comments_of_its_communes_only(client, city, lyon_agent):
    mine = reported_comment(city["in_lyon"], "habitant-lyon")
    theirs = reported_comment(city["in_villeurbanne"], "habitant-villeurbanne")
    client.force_login(lyon_agent)

    queue = client.get(reverse("contributions:moderation")).content.decode()
    refused = client.post(
        reverse("contributions:moderate", args=[theirs.pk]),
        {"decision": "hide", "reason": "Hors sujet."},
    )

    assert mine.comment in queue
    assert theirs.comment not in queue
    assert refused.status_code == 403
    theirs.refresh_from_db()
    assert theirs.comment_status == CommentStatus.REPORTED


def test_the_moderation_queue_of_an_agent_costs_what_a_city_wide_one_does_whatever_its_size(
    client, city, lyon_agent
):
    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("contributions:moderation")).status_code == 200
        return len(captured)

    city_wide = account("agent-metropole")
    reported_comment(city["in_lyon"], "h1")
    queries(lyon_agent), queries(city_wide)  # warm up: content types, sessions
    before = (queries(lyon_agent), queries(city_wide))
    for n in range(5):
        reported_comment(city["in_lyon"], f"h-plus-{n}")

    assert (queries(lyon_agent), queries(city_wide)) == before
    # The scope is read once for both (the city-wide agent's reads as "no commune"); only a
    # city-wide moderator suspends accounts, so their page reads the suspended ones too.
    assert before[0] + 1 == before[1]


def test_a_bulk_import_rejects_the_lines_of_other_communes(client, city, lyon_agent):
    client.force_login(lyon_agent)
    content = (
        "amenagement;date;type;description\n"
        f"{city['in_lyon'].slug};2024-03-01;widened;Élargie\n"
        f"{city['in_villeurbanne'].slug};2024-03-01;widened;Élargie\n"
    ).encode()

    response = client.post(
        reverse("amenagements:adaptations_import"),
        {"file": SimpleUploadedFile("travaux.csv", content)},
    )

    assert city["in_lyon"].adaptations.filter(kind="widened").exists()
    assert not city["in_villeurbanne"].adaptations.filter(kind="widened").exists()
    page = response.content.decode()
    reason = str(REJECT_OUT_OF_SCOPE % {"name": city["in_villeurbanne"].name})
    assert reason.replace("’", "&#x27;") in page or reason in page
    assert ">3<" in page  # the line number in the file


def test_an_agent_creates_arrangements_in_its_communes_only(client, city, lyon_agent):
    client.force_login(lyon_agent)
    line = {"type": "LineString", "coordinates": [[4.85, 45.77], [4.855, 45.771]]}
    fields = {
        "name": "Coronapiste",
        "kind": "bike_lane",
        "status": "testing",
        "date": "2020-05-11",
        "decision_deadline": "",
        "description": "",
        "geom": json.dumps(line),
    }

    refused = client.post(reverse("amenagements:create"), {**fields, "commune": "Villeurbanne"})
    created = client.post(reverse("amenagements:create"), {**fields, "commune": "lyon"})

    assert refused.status_code == 200
    assert refused.context["form"].errors["commune"] == [
        str(ERROR_COMMUNE_OUT_OF_SCOPE % {"communes": "Lyon"})
    ]
    assert created.status_code == 302
    assert Amenagement.objects.get(name="Coronapiste").commune == city["lyon"]


def test_the_dashboard_of_an_agent_lists_its_communes_items(client, city, lyon_agent):
    open_proposal(city["in_lyon"])
    open_proposal(city["in_villeurbanne"])
    client.force_login(lyon_agent)

    page = client.get(reverse("pages:services")).content.decode()

    assert "Quai de Saône" in page
    assert "Cours Émile-Zola" not in page
    assert "Lyon" in page
    client.force_login(account("agent-metropole"))
    assert "Cours Émile-Zola" in client.get(reverse("pages:services")).content.decode()
