"""The life of an indicator definition: proposed, adopted (then immutable), new versions,
closed, retired — through the services, and as the database holds it whatever code writes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participation.indicators import services as definition_services
from participation.models import DeliberationLogEntry, IndicatorDefinition
from participation.panels import services as panel_services
from tests.participation.fixtures import endorse, make_user, perception_text, usage_text

Status = IndicatorDefinition.Status


def messages(exc_info) -> list[str]:
    return exc_info.value.messages


def template(message) -> str:
    """The part of a module-constant message before its first placeholder (in the active
    language), to compare with a rendered message."""
    return str(message).split("%(")[0]


def actions(panel) -> list[str]:
    return list(
        DeliberationLogEntry.objects.filter(panel=panel)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def test_a_member_proposes_an_open_unnumbered_definition_and_it_is_logged(panel, member):
    definition = definition_services.definition_propose(
        panel=panel, proposed_by=member, text=perception_text()
    )
    definition.refresh_from_db()
    assert definition.status == Status.PROPOSED
    assert definition.version is None
    assert definition.proposed_by == member
    assert definition.scale_labels[4] == "Tout à fait"
    entry = DeliberationLogEntry.objects.get(action="proposal.created")
    assert entry.definition == definition
    assert entry.payload["actor"] == "Membre"


def test_someone_outside_the_panel_cannot_propose(panel, resident):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_propose(
            panel=panel, proposed_by=resident, text=perception_text()
        )
    assert messages(exc_info) == [str(panel_services.ERROR_NOT_A_MEMBER)]
    assert not IndicatorDefinition.objects.exists()


def test_adoption_numbers_the_version_records_who_and_when_and_logs_the_tally(
    proposal, member, member2, facilitator
):
    endorse(proposal, member, member2)
    adopted = definition_services.definition_adopt(definition=proposal, by=facilitator)
    adopted.refresh_from_db()
    assert adopted.status == Status.ADOPTED
    assert adopted.version == 1
    assert adopted.adopted_by == facilitator
    assert adopted.adopted_at is not None
    entry = DeliberationLogEntry.objects.get(action="proposal.adopted")
    assert entry.payload["endorsements"] == 2
    assert entry.payload["objections"] == 0
    assert entry.payload["quorum"] == 2
    assert entry.payload["version"] == 1


def test_an_adopted_definition_cannot_be_edited_through_the_service(adopted, member):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_update(
            definition=adopted, by=member, text=perception_text(target=Decimal("4.5"))
        )
    (message,) = messages(exc_info)
    assert exc_info.value.code == "frozen"
    assert message.startswith(template(definition_services.ERROR_FROZEN))
    assert str(adopted.get_status_display()).lower() in message
    adopted.refresh_from_db()
    assert adopted.target == Decimal("3.5")


def test_the_database_refuses_to_change_or_delete_an_adopted_definition(adopted):
    with pytest.raises(IntegrityError, match="propose a new version"), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=adopted.pk).update(target=Decimal("1.5"))
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=adopted.pk).delete()
    # Not even its status can be taken back to "proposed".
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=adopted.pk).update(status=Status.PROPOSED)
    adopted.refresh_from_db()
    assert (adopted.status, adopted.target) == (Status.ADOPTED, Decimal("3.5"))


def test_deleting_the_proposers_account_keeps_the_adopted_definition(adopted, member):
    member.delete()
    adopted.refresh_from_db()
    assert adopted.proposed_by is None
    assert adopted.status == Status.ADOPTED


def test_a_new_version_supersedes_the_adopted_one_which_keeps_its_row(
    adopted, panel, member, member2, facilitator
):
    revision = definition_services.definition_propose(
        panel=panel,
        proposed_by=member2,
        text=perception_text(code="autre-code", target=Decimal("4")),
        supersedes=adopted,
    )
    assert revision.code == adopted.code  # a new version keeps the indicator's code
    endorse(revision, member, member2)
    v2 = definition_services.definition_adopt(definition=revision, by=facilitator)

    v1 = IndicatorDefinition.objects.get(pk=adopted.pk)
    assert (v2.version, v2.status, v2.target) == (2, Status.ADOPTED, Decimal("4"))
    assert v1.status == Status.RETIRED
    assert v1.superseded_by == v2
    assert v2.supersedes == v1
    assert v1.target == Decimal("3.5")  # the old text is kept as it was
    assert v1.retired_by == facilitator
    assert list(IndicatorDefinition.objects.filter(code=adopted.code, status=Status.ADOPTED)) == [
        v2
    ]
    assert (
        DeliberationLogEntry.objects.get(action="proposal.adopted", definition=v2).payload[
            "supersedes_version"
        ]
        == 1
    )


def test_a_brand_new_proposal_cannot_reuse_an_adopted_code(adopted, panel, member2):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_propose(
            panel=panel, proposed_by=member2, text=perception_text()
        )
    assert exc_info.value.message_dict["code"] == [
        str(definition_services.ERROR_CODE_TAKEN) % {"code": "securite"}
    ]


def test_only_an_adopted_definition_can_be_revised(proposal, panel, member2):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_propose(
            panel=panel, proposed_by=member2, text=perception_text(), supersedes=proposal
        )
    assert messages(exc_info) == [str(definition_services.ERROR_REVISE_ONLY_ADOPTED)]


def test_a_revision_of_a_version_superseded_meanwhile_cannot_be_adopted(
    adopted, panel, member, member2, facilitator
):
    first = definition_services.definition_propose(
        panel=panel, proposed_by=member, text=perception_text(name="A"), supersedes=adopted
    )
    second = definition_services.definition_propose(
        panel=panel, proposed_by=member2, text=perception_text(name="B"), supersedes=adopted
    )
    endorse(first, member, member2)
    endorse(second, member, member2)
    definition_services.definition_adopt(definition=first, by=facilitator)
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_adopt(definition=second, by=facilitator)
    assert messages(exc_info)[0].startswith(
        template(definition_services.ERROR_SUPERSEDED_MEANWHILE)
    )
    second.refresh_from_db()
    assert second.status == Status.PROPOSED


def test_only_a_facilitator_adopts(proposal, member, member2):
    endorse(proposal, member, member2)
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_adopt(definition=proposal, by=member)
    assert messages(exc_info) == [str(panel_services.ERROR_NOT_A_FACILITATOR)]


def test_the_proposer_edits_an_open_proposal_and_earlier_stances_are_withdrawn(
    proposal, member, member2
):
    endorse(proposal, member2)
    definition_services.definition_update(
        definition=proposal, by=member, text=perception_text(question="Nouvelle question ?")
    )
    proposal.refresh_from_db()
    assert proposal.question == "Nouvelle question ?"
    assert proposal.stances.count() == 0
    entry = DeliberationLogEntry.objects.get(action="proposal.revised")
    assert entry.payload["stances_withdrawn"] == 1


def test_only_the_proposer_edits_a_proposal(proposal, member2):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_update(
            definition=proposal, by=member2, text=perception_text()
        )
    assert messages(exc_info) == [str(definition_services.ERROR_NOT_PROPOSER)]


def test_closing_needs_a_reason_then_freezes_the_proposal(proposal, facilitator, member):
    with pytest.raises(ValidationError):
        definition_services.definition_close(definition=proposal, by=facilitator, reason="  ")
    definition_services.definition_close(
        definition=proposal, by=facilitator, reason="Doublon de l'indicateur confort."
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.CLOSED
    assert proposal.version is None
    assert proposal.close_reason == "Doublon de l'indicateur confort."
    entry = DeliberationLogEntry.objects.get(action="proposal.closed")
    assert entry.payload["reason"] == "Doublon de l'indicateur confort."
    with pytest.raises(ValidationError):
        definition_services.definition_update(
            definition=proposal, by=member, text=perception_text()
        )
    with pytest.raises(ValidationError):
        definition_services.definition_adopt(definition=proposal, by=facilitator)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=proposal.pk).update(name="Autre")


def test_retiring_an_adopted_indicator_keeps_it_with_the_reason(adopted, facilitator):
    definition_services.definition_retire(
        definition=adopted, by=facilitator, reason="Remplacé par une mesure plus fine."
    )
    adopted.refresh_from_db()
    assert adopted.status == Status.RETIRED
    assert adopted.retirement_reason == "Remplacé par une mesure plus fine."
    assert adopted.superseded_by is None
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_retire(definition=adopted, by=facilitator, reason="Encore")
    assert messages(exc_info) == [str(definition_services.ERROR_NOT_ADOPTED)]
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=adopted.pk).update(status=Status.ADOPTED)


def test_every_step_is_logged_in_order_with_dotted_codes(adopted, panel):
    assert actions(panel) == [
        "panel.created",
        "member.joined",
        "member.joined",
        "member.joined",
        "proposal.created",
        "proposal.endorsed",
        "proposal.endorsed",
        "proposal.adopted",
    ]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (perception_text(question=""), "question"),
        (perception_text(scale_labels=["a", "b", "c", "d"]), "scale_labels"),
        (perception_text(target=Decimal("7")), None),
        (usage_text(data_source=""), "data_source"),
        (usage_text(statistic=""), "statistic"),
        (perception_text(alert_threshold=Decimal("4")), None),  # above a "higher" target
        (perception_text(applicable_kinds=[]), "applicable_kinds"),
    ],
    ids=[
        "no-question",
        "four-labels",
        "target-off-scale",
        "no-source",
        "no-statistic",
        "alert-wrong-side",
        "no-kind",
    ],
)
def test_an_incomplete_or_inconsistent_definition_is_refused(panel, member, text, field):
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_propose(panel=panel, proposed_by=member, text=text)
    if field:
        assert field in exc_info.value.message_dict
    assert not IndicatorDefinition.objects.exists()


def test_a_usage_definition_drops_perception_fields(panel, member):
    text = usage_text(question="oubliée", scale_labels=["a"] * 5)
    definition = definition_services.definition_propose(panel=panel, proposed_by=member, text=text)
    definition.refresh_from_db()
    assert (definition.question, definition.scale_labels) == ("", [])


def test_two_panels_may_use_the_same_code(adopted, member):
    other_facilitator = make_user("Autre")
    other = panel_services.panel_create(
        name="Autre panel", facilitators=[other_facilitator], quorum=1
    )
    proposal = definition_services.definition_propose(
        panel=other, proposed_by=other_facilitator, text=perception_text()
    )
    endorse(proposal, other_facilitator)
    assert (
        definition_services.definition_adopt(definition=proposal, by=other_facilitator).version == 1
    )
