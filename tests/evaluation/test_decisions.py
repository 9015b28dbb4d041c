"""Deciding on adjustment proposals: accept (planning the adaptation), reject, defer, in public,
with the residents who gave their opinion told by email."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from amenagements import services as amenagement_services
from amenagements.models import Adaptation, Amenagement, PlannedAdaptation
from evaluation import decisions
from evaluation.models import AdjustmentProposal, EvaluationRun
from participation.models import Contribution
from tests.jobs import run_queued_jobs
from tests.participation.fixtures import make_user

Action = AdjustmentProposal.Action
Status = AdjustmentProposal.Status
HOT_SPOT = MultiLineString(LineString((4.8330, 45.7600), (4.8340, 45.7600)), srid=4326)


def make_run(amenagement, *, as_of=dt.date(2020, 9, 1)):
    return EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=as_of,
        frequency=EvaluationRun.Frequency.DAILY,
        parameters={},
        method_version="test",
        data_summary={},
    )


def make_proposal(amenagement, action=Action.ADJUST, *, run=None, **fields):
    return AdjustmentProposal.objects.create(
        amenagement=amenagement,
        run=run or make_run(amenagement),
        action=action,
        rationale="Sentiment de sécurité 2,4/5 (n = 40), en dessous de la cible 3,5/5.",
        **fields,
    )


@pytest.fixture
def agent(db):
    return make_user("Agente", staff=True)


def test_accepting_an_adjustment_plans_the_adaptation_prefilled_from_the_proposal(
    amenagement, agent
):
    proposal = make_proposal(amenagement, segment_geom=HOT_SPOT)
    versions = amenagement.versions.count()

    decided = decisions.proposal_accept(
        proposal=proposal, decided_by=agent, note="  Travaux prévus au printemps.  "
    )

    decided.refresh_from_db()
    assert decided.status == Status.ACCEPTED
    assert decided.decision_note == "Travaux prévus au printemps."
    assert decided.decided_by == agent
    assert decided.decided_at is not None
    planned = decided.planned_adaptation
    assert planned.status == PlannedAdaptation.Status.PLANNED
    assert planned.kind == Adaptation.Kind.OTHER
    assert proposal.rationale in planned.description
    assert planned.geom.equals_exact(HOT_SPOT, tolerance=1e-9)
    assert planned.created_by == agent
    # Nothing happened on the ground yet.
    amenagement.refresh_from_db()
    assert amenagement.status == Amenagement.Status.TESTING
    assert amenagement.versions.count() == versions
    assert list(amenagement.adaptations.values_list("kind", flat=True)) == ["created"]


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        (Action.MAKE_PERMANENT, Adaptation.Kind.MADE_PERMANENT),
        (Action.ADD_SEPARATION, Adaptation.Kind.SEPARATED),
        (Action.EXTEND, Adaptation.Kind.EXTENDED),
        (Action.REDESIGN_OR_REMOVE, Adaptation.Kind.OTHER),
    ],
)
def test_the_planned_adaptation_kind_follows_the_action(amenagement, agent, action, kind):
    proposal = make_proposal(amenagement, action)
    decisions.proposal_accept(proposal=proposal, decided_by=agent, note="D'accord.")
    assert PlannedAdaptation.objects.get().kind == kind


@pytest.mark.parametrize("action", [Action.KEEP_AND_MONITOR, Action.COLLECT_MORE_DATA])
def test_accepting_a_proposal_that_changes_nothing_plans_nothing(amenagement, agent, action):
    proposal = make_proposal(amenagement, action)
    decisions.proposal_accept(proposal=proposal, decided_by=agent, note="On continue.")
    proposal.refresh_from_db()
    assert proposal.status == Status.ACCEPTED
    assert proposal.planned_adaptation is None
    assert not PlannedAdaptation.objects.exists()


def test_the_services_may_reword_and_date_the_planned_adaptation(amenagement, agent):
    proposal = make_proposal(amenagement)
    day = timezone.localdate() + dt.timedelta(days=30)
    decisions.proposal_accept(
        proposal=proposal,
        decided_by=agent,
        note="Oui.",
        kind=Adaptation.Kind.WIDENED,
        description="Élargir la piste au carrefour.",
        planned_for=day,
    )
    planned = PlannedAdaptation.objects.get()
    assert (planned.kind, planned.description, planned.planned_for) == (
        Adaptation.Kind.WIDENED,
        "Élargir la piste au carrefour.",
        day,
    )


def test_a_planned_date_in_the_past_is_refused_and_nothing_is_decided(amenagement, agent):
    proposal = make_proposal(amenagement)
    with pytest.raises(ValidationError) as error:
        decisions.proposal_accept(
            proposal=proposal,
            decided_by=agent,
            note="Oui.",
            planned_for=timezone.localdate() - dt.timedelta(days=1),
        )
    assert error.value.messages == [str(decisions.ERROR_PLANNED_IN_PAST)]
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN
    assert not PlannedAdaptation.objects.exists()


@pytest.mark.parametrize(
    ("decide", "status"),
    [(decisions.proposal_reject, Status.REJECTED), (decisions.proposal_defer, Status.DEFERRED)],
)
def test_rejecting_or_deferring_publishes_the_note_and_plans_nothing(
    amenagement, agent, decide, status
):
    proposal = make_proposal(amenagement)
    decide(proposal=proposal, decided_by=agent, note="Budget de l'an prochain.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == (status, "Budget de l'an prochain.")
    assert not PlannedAdaptation.objects.exists()


@pytest.mark.parametrize(
    "decide", [decisions.proposal_accept, decisions.proposal_reject, decisions.proposal_defer]
)
def test_a_decision_without_a_note_is_refused(amenagement, agent, decide):
    proposal = make_proposal(amenagement)
    with pytest.raises(ValidationError) as error:
        decide(proposal=proposal, decided_by=agent, note="   ")
    assert error.value.messages == [str(decisions.ERROR_NOTE_REQUIRED)]
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN


def test_a_proposal_is_decided_once(amenagement, agent):
    proposal = make_proposal(amenagement)
    decisions.proposal_reject(proposal=proposal, decided_by=agent, note="Non.")
    with pytest.raises(ValidationError) as error:
        decisions.proposal_accept(proposal=proposal, decided_by=agent, note="Finalement oui.")
    assert error.value.code == "not_open"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == (Status.REJECTED, "Non.")
    assert not PlannedAdaptation.objects.exists()


def test_a_superseded_proposal_cannot_be_decided(amenagement, agent):
    proposal = make_proposal(amenagement, status=Status.SUPERSEDED)
    with pytest.raises(ValidationError) as error:
        decisions.proposal_accept(proposal=proposal, decided_by=agent, note="Oui.")
    assert error.value.code == "not_open"


def test_residents_who_gave_their_opinion_are_told_by_queued_emails(amenagement, agent, settings):
    settings.TACTIQUE_SITE_URL = "https://tactique.example.org"
    version = amenagement.versions.get()
    alice, bruno, gone = make_user("Alice"), make_user("Bruno"), make_user("Parti")
    for user in (alice, bruno, gone):
        Contribution.objects.create(user=user, version=version, comment="Avis")
    gone.is_active = False
    gone.save()
    Contribution.objects.create(user=None, version=version, comment="Compte supprimé")
    make_user("Passant")  # no opinion on this arrangement: not told
    proposal = make_proposal(amenagement)

    decisions.proposal_reject(proposal=proposal, decided_by=agent, note="Trop cher.")
    assert mail.outbox == []  # queued with the decision, sent by the worker
    assert run_queued_jobs("common.send_email") == 2

    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bruno.email]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    message = mail.outbox[0]
    assert amenagement.name in message.subject
    assert "Trop cher." in message.body
    assert f"https://tactique.example.org{amenagement.get_absolute_url()}#evaluation" in (
        message.body
    )


def test_an_adaptation_recorded_as_carrying_out_the_plan_marks_it_done(amenagement, agent):
    proposal = make_proposal(amenagement, Action.MAKE_PERMANENT)
    decisions.proposal_accept(proposal=proposal, decided_by=agent, note="Oui.")
    planned = PlannedAdaptation.objects.get()

    adaptation = amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.MADE_PERMANENT,
        carries_out=planned,
    )

    planned.refresh_from_db()
    assert planned.status == PlannedAdaptation.Status.DONE
    assert planned.adaptation == adaptation
    assert adaptation.carries_out.proposal == proposal
    with pytest.raises(ValidationError) as error:
        amenagement_services.amenagement_adapt(
            amenagement=amenagement,
            date=dt.date(2021, 4, 1),
            kind=Adaptation.Kind.OTHER,
            description="Encore",
            carries_out=planned,
        )
    assert error.value.code == "not_planned"


def test_a_plan_of_another_arrangement_cannot_be_carried_out_here(amenagement, agent):
    other = amenagement_services.amenagement_create(
        name="Autre piste",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString((4.85, 45.75), (4.86, 45.75), srid=4326),
        date=dt.date(2020, 5, 11),
    )
    planned = amenagement_services.adaptation_plan(
        amenagement=other, kind=Adaptation.Kind.WIDENED, description="Élargir"
    )
    with pytest.raises(ValidationError) as error:
        amenagement_services.amenagement_adapt(
            amenagement=amenagement,
            date=dt.date(2021, 3, 1),
            kind=Adaptation.Kind.WIDENED,
            description="Élargie",
            carries_out=planned,
        )
    assert error.value.code == "other_arrangement"
    assert amenagement.adaptations.count() == 1


def test_cancelling_a_plan_needs_a_public_reason(amenagement):
    planned = amenagement_services.adaptation_plan(
        amenagement=amenagement, kind=Adaptation.Kind.WIDENED, description="Élargir"
    )
    with pytest.raises(ValidationError):
        amenagement_services.planned_adaptation_cancel(planned=planned, reason=" ")
    cancelled = amenagement_services.planned_adaptation_cancel(
        planned=planned, reason="La rue sera refaite en 2027."
    )
    assert cancelled.status == PlannedAdaptation.Status.CANCELLED
    with pytest.raises(ValidationError) as error:
        amenagement_services.planned_adaptation_cancel(planned=planned, reason="Encore")
    assert error.value.code == "not_planned"
