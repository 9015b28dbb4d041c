"""The permission matrix: every view of the panels and indicators pages, for every kind of
person — anonymous visitor, unverified account, resident (verified account), panel member,
facilitator and staff (who have no say in a panel they are not members of)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from participation.indicators import permissions as definition_permissions
from participation.indicators import services as definition_services
from participation.panels import services as panel_services
from participation.panels.permissions import REFUSALS
from participation.panels.selectors import viewer_for
from tests.participation.fixtures import endorse, make_user, perception_text

ROLES = ["anonymous", "unverified", "resident", "member", "facilitator", "staff"]
LOGIN = "login"


@pytest.fixture
def world(panel, facilitator, member, member2, resident, staff):
    """A panel with an open proposal (by `member`, endorsed by both members: the rule is met),
    an adopted indicator, a pending request and an invitation addressed to someone else."""
    proposal = definition_services.definition_propose(
        panel=panel, proposed_by=member, text=perception_text()
    )
    endorse(proposal, member, member2)
    other = definition_services.definition_propose(
        panel=panel, proposed_by=member2, text=perception_text(code="confort", name="Confort")
    )
    endorse(other, member, member2)
    adopted = definition_services.definition_adopt(definition=other, by=facilitator)
    candidate = panel_services.join_request_create(panel=panel, user=make_user("Candidat"))
    make_user("Invite")
    invitation = panel_services.invitation_create(panel=panel, by=facilitator, pseudonym="Invite")
    return {
        "panel": panel,
        "proposal": proposal,
        "adopted": adopted,
        "request": candidate,
        "invitation": invitation,
        "people": {
            "unverified": make_user("PasVerifie", verified=False),
            "resident": resident,
            "member": member,
            "facilitator": facilitator,
            "staff": staff,
        },
    }


def proposal_data(**changes):
    data = {
        "code": "continuite",
        "name": "Continuité",
        "kind": "perception",
        "question": "L'itinéraire est-il continu ?",
        "label_1": "Non",
        "label_2": "Peu",
        "label_3": "Moyennement",
        "label_4": "Plutôt",
        "label_5": "Oui",
        "unit": "/ 5",
        "direction": "higher",
        "target": "3.5",
        "alert_threshold": "",
        "min_sample_size": "30",
        "applicable_kinds": ["bike_lane"],
    }
    data.update(changes)
    return data


def slug(w):
    return w["panel"].slug


def on_panel(name, key=None):
    """The address of the panel page `name`, about the world's object `key` if given."""

    def url(w):
        args = [slug(w)] + ([w[key].pk] if key else [])
        return reverse(f"participation:{name}", args=args)

    return url


# (name, method, url(w), data, expected status for each role in ROLES order)
CASES = [
    (
        "catalogue",
        "get",
        lambda w: reverse("indicators:catalogue"),
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    (
        "lineage",
        "get",
        lambda w: reverse("indicators:lineage", args=[slug(w), w["adopted"].code]),
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    (
        "version",
        "get",
        lambda w: reverse("indicators:version", args=[slug(w), w["adopted"].code, 1]),
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    (
        "panels",
        "get",
        lambda w: reverse("participation:panels"),
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    ("panel", "get", on_panel("panel"), None, [200, 200, 200, 200, 200, 200]),
    ("log", "get", on_panel("log"), None, [200, 200, 200, 200, 200, 200]),
    ("proposal", "get", on_panel("proposal", "proposal"), None, [200, 200, 200, 200, 200, 200]),
    (
        "profile",
        "get",
        lambda w: reverse("participation:profile"),
        None,
        [LOGIN, 200, 200, 200, 200, 200],
    ),
    ("join", "post", on_panel("join"), {}, [LOGIN, 403, 302, 403, 403, 302]),
    (
        "answer-invitation",
        "post",
        on_panel("answer_invitation", "invitation"),
        {"decision": "accept"},
        [LOGIN, 403, 403, 403, 403, 403],
    ),
    ("manage", "get", on_panel("manage"), None, [LOGIN, 403, 403, 403, 200, 403]),
    (
        "decide-request",
        "post",
        on_panel("decide_request", "request"),
        {"decision": "decline"},
        [LOGIN, 403, 403, 403, 302, 403],
    ),
    (
        "invite",
        "post",
        on_panel("invite"),
        {"pseudonym": "Habitante"},
        [LOGIN, 403, 403, 403, 302, 403],
    ),
    (
        "rule",
        "post",
        on_panel("rule"),
        {"quorum": "3", "min_endorsement_percent": "70"},
        [LOGIN, 403, 403, 403, 302, 403],
    ),
    ("propose-form", "get", on_panel("propose"), None, [LOGIN, 403, 403, 200, 200, 403]),
    ("propose", "post", on_panel("propose"), proposal_data(), [LOGIN, 403, 403, 302, 302, 403]),
    ("edit-form", "get", on_panel("edit", "proposal"), None, [LOGIN, 403, 403, 200, 403, 403]),
    (
        "edit",
        "post",
        on_panel("edit", "proposal"),
        proposal_data(code="securite", name="Sécurité ressentie"),
        [LOGIN, 403, 403, 302, 403, 403],
    ),
    (
        "stance",
        "post",
        on_panel("stance", "proposal"),
        {"position": "object"},
        [LOGIN, 403, 403, 302, 302, 403],
    ),
    (
        "comment",
        "post",
        on_panel("comment", "proposal"),
        {"body": "Un avis."},
        [LOGIN, 403, 403, 302, 302, 403],
    ),
    ("adopt", "post", on_panel("adopt", "proposal"), {}, [LOGIN, 403, 403, 403, 302, 403]),
    (
        "close",
        "post",
        on_panel("close", "proposal"),
        {"reason": "Doublon."},
        [LOGIN, 403, 403, 403, 302, 403],
    ),
    (
        "retire",
        "post",
        on_panel("retire", "adopted"),
        {"reason": "Plus utile."},
        [LOGIN, 403, 403, 403, 302, 403],
    ),
    ("login", "get", lambda w: reverse("account_login"), None, [200, 302, 302, 302, 302, 302]),
    ("signup", "get", lambda w: reverse("account_signup"), None, [200, 302, 302, 302, 302, 302]),
]


@pytest.mark.parametrize(("role_index", "role"), list(enumerate(ROLES)), ids=ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_permission_matrix(client, world, role_index, role, name, method, url, data, expected):
    if role != "anonymous":
        client.force_login(world["people"][role])
    address = url(world)
    response = getattr(client, method)(address, data) if method == "post" else client.get(address)
    want = expected[role_index]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    else:
        assert response.status_code == want, response.content[:500]
        if want == 302:
            assert not response["Location"].startswith(reverse("account_login"))


def test_a_refusal_says_why(client, world):
    client.force_login(world["people"]["resident"])
    response = client.get(reverse("participation:manage", args=[slug(world)]))
    assert response.status_code == 403
    assert str(REFUSALS["facilitator"]) in response.content.decode()


def test_the_invitee_answers_their_invitation(client, panel, facilitator, resident):
    invitation = panel_services.invitation_create(
        panel=panel, by=facilitator, pseudonym="Habitante"
    )
    client.force_login(resident)
    url = reverse("participation:answer_invitation", args=[panel.slug, invitation.pk])
    assert client.post(url, {"decision": "accept"}).status_code == 302
    assert panel.memberships.filter(user=resident).exists()


def test_predicates_give_staff_no_say_in_a_panel_they_do_not_belong_to(world):
    staff_viewer = viewer_for(world["people"]["staff"], world["panel"])
    assert staff_viewer.is_resident
    assert not definition_permissions.can_propose(staff_viewer, world["panel"])
    assert not definition_permissions.can_decide_proposal(staff_viewer, world["proposal"])
    assert not definition_permissions.can_take_stance(staff_viewer, world["proposal"])


def test_an_unverified_member_cannot_take_part_until_verified(world):
    user = world["people"]["unverified"]
    panel_services.membership_add(panel=world["panel"], user=user)
    viewer = viewer_for(user, world["panel"])
    assert viewer.role == "member"
    assert not definition_permissions.can_take_stance(viewer, world["proposal"])
    user.emailaddress_set.update(verified=True)
    assert definition_permissions.can_take_stance(
        viewer_for(user, world["panel"]), world["proposal"]
    )


def test_nobody_edits_or_decides_a_decided_definition(world):
    adopted = world["adopted"]
    for role in ("member", "facilitator"):
        viewer = viewer_for(world["people"][role], world["panel"])
        assert not definition_permissions.can_edit_proposal(viewer, adopted)
        assert not definition_permissions.can_decide_proposal(viewer, adopted)
        assert not definition_permissions.can_take_stance(viewer, adopted)
    assert adopted.target == Decimal("3.5")
