"""The panel's adoption rule: a quorum of stances and a minimum share of endorsements."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participation.indicators import deliberation
from participation.indicators import services as definition_services
from participation.indicators.selectors import AdoptionTally, proposal_tally
from participation.models import DeliberationLogEntry, IndicatorDefinition, Membership, Stance
from participation.panels import services as panel_services
from tests.participation.fixtures import endorse, make_user

ENDORSE, OBJECT = Stance.Position.ENDORSE, Stance.Position.OBJECT


@pytest.mark.parametrize(
    ("endorsements", "objections", "quorum", "percent", "met"),
    [
        (2, 0, 2, 60, True),  # quorum exactly reached
        (1, 0, 2, 60, False),  # one stance short of the quorum, however unanimous
        (3, 2, 5, 60, True),  # exactly 60 % endorsements
        (2, 2, 4, 51, False),  # 50 % is not 51 %
        (2, 2, 4, 50, True),  # 50 % is enough when the rule says 50 %
        (2, 1, 3, 66, True),  # 2/3 = 66.67 % meets 66 %…
        (2, 1, 3, 67, False),  # …but not 67 %: compared exactly, not rounded
        (0, 3, 3, 1, False),  # objections alone never adopt
        (5, 0, 5, 100, True),  # unanimity
        (4, 1, 5, 100, False),
    ],
)
def test_the_rule_needs_both_the_quorum_and_the_share(
    endorsements, objections, quorum, percent, met
):
    tally = AdoptionTally(endorsements, objections, quorum, percent)
    assert tally.is_met is met


def test_without_any_stance_the_share_is_zero_and_the_rule_unmet():
    tally = AdoptionTally(0, 0, 1, 1)
    assert (tally.share_percent, tally.quorum_met, tally.is_met) == (0, False, False)


def test_adoption_is_refused_below_the_quorum_with_the_numbers(proposal, member, facilitator):
    endorse(proposal, member)  # 1 stance; the panel's quorum is 2
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_adopt(definition=proposal, by=facilitator)
    (message,) = exc_info.value.messages
    assert message == str(definition_services.ERROR_RULE_NOT_MET) % {
        "quorum": 2,
        "required": 60,
        "votes": 1,
        "endorsements": 1,
        "objections": 0,
        "share": 100,
    }
    proposal.refresh_from_db()
    assert proposal.status == IndicatorDefinition.Status.PROPOSED
    assert not DeliberationLogEntry.objects.filter(action="proposal.adopted").exists()


def test_adoption_is_refused_below_the_share_and_accepted_at_it(
    panel, proposal, member, member2, facilitator
):
    endorse(proposal, member)
    endorse(proposal, member2, position=OBJECT)  # 1 of 2 = 50 % < 60 %
    with pytest.raises(ValidationError) as exc_info:
        definition_services.definition_adopt(definition=proposal, by=facilitator)
    assert "50" in exc_info.value.messages[0]
    panel_services.panel_set_rule(panel=panel, by=facilitator, quorum=2, min_endorsement_percent=50)
    adopted = definition_services.definition_adopt(definition=proposal, by=facilitator)
    assert adopted.status == IndicatorDefinition.Status.ADOPTED


def test_a_changed_stance_counts_once_with_its_new_position(proposal, member, member2):
    endorse(proposal, member, member2)
    deliberation.stance_set(definition=proposal, user=member2, position=OBJECT)
    tally = proposal_tally(proposal)
    assert (tally.endorsements, tally.objections) == (1, 1)
    assert Stance.objects.filter(definition=proposal).count() == 2
    codes = list(
        DeliberationLogEntry.objects.filter(definition=proposal)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert codes == [
        "proposal.created",
        "proposal.endorsed",
        "proposal.endorsed",
        "proposal.objected",
    ]


def test_taking_the_same_stance_twice_changes_nothing(proposal, member):
    endorse(proposal, member)
    _stance, changed = deliberation.stance_set(definition=proposal, user=member, position=ENDORSE)
    assert changed is False
    assert DeliberationLogEntry.objects.filter(action="proposal.endorsed").count() == 1


def test_the_database_holds_one_stance_per_member_and_proposal(proposal, member):
    Stance.objects.create(definition=proposal, user=member, position=ENDORSE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stance.objects.create(definition=proposal, user=member, position=OBJECT)


def test_stances_of_people_who_left_the_panel_do_not_count(proposal, member, member2):
    endorse(proposal, member, member2)
    Membership.objects.filter(user=member2).delete()
    assert proposal_tally(proposal).endorsements == 1


def test_only_members_take_a_stance_and_only_on_open_proposals(
    proposal, resident, member, facilitator
):
    with pytest.raises(ValidationError):
        deliberation.stance_set(definition=proposal, user=resident, position=ENDORSE)
    definition_services.definition_close(definition=proposal, by=facilitator, reason="Hors sujet")
    with pytest.raises(ValidationError) as exc_info:
        deliberation.stance_set(definition=proposal, user=member, position=ENDORSE)
    assert exc_info.value.code == "not_open"


def test_the_rule_is_set_per_panel_by_its_facilitators_in_public(panel, facilitator, member):
    with pytest.raises(ValidationError):
        panel_services.panel_set_rule(panel=panel, by=member, quorum=5, min_endorsement_percent=70)
    panel_services.panel_set_rule(panel=panel, by=facilitator, quorum=5, min_endorsement_percent=70)
    panel.refresh_from_db()
    assert (panel.quorum, panel.min_endorsement_percent) == (5, 70)
    entry = DeliberationLogEntry.objects.get(action="panel.rule_changed")
    assert entry.payload["before"] == {"quorum": 2, "min_endorsement_percent": 60}
    other = panel_services.panel_create(name="Autre", facilitators=[make_user("Z-fac")])
    assert (other.quorum, other.min_endorsement_percent) == (3, 60)


@pytest.mark.parametrize(("quorum", "percent"), [(0, 60), (3, 0), (3, 101)])
def test_an_absurd_rule_is_refused(panel, facilitator, quorum, percent):
    with pytest.raises(ValidationError) as exc_info:
        panel_services.panel_set_rule(
            panel=panel, by=facilitator, quorum=quorum, min_endorsement_percent=percent
        )
    assert exc_info.value.messages == [str(panel_services.ERROR_BAD_RULE)]
