"""Profiles, joining a panel (request or invitation), comments: the rules and the public log."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participation.indicators import deliberation
from participation.models import DeliberationLogEntry, JoinRequest, Membership, Profile
from participation.panels import services as panel_services
from participation.profiles import services as profile_services
from tests.jobs import run_queued_jobs
from tests.participation.fixtures import make_user


@pytest.mark.parametrize("taken", ["Membre", "membre", "MEMBRE", "  Membre "])
def test_a_pseudonym_is_unique_whatever_its_case(member, resident, taken):
    with pytest.raises(ValidationError) as exc_info:
        profile_services.profile_set_pseudonym(user=resident, pseudonym=taken)
    assert exc_info.value.message_dict["pseudonym"] == [str(profile_services.ERROR_PSEUDONYM_TAKEN)]


def test_the_database_refuses_a_duplicate_pseudonym_whatever_its_case(member, resident):
    resident.profile.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=resident, pseudonym="MEMBRE")


@pytest.mark.parametrize("bad", ["ab", "x" * 31, "<script>", "a@b.fr", " -tiret", "Zoé!"], ids=repr)
def test_a_malformed_pseudonym_is_refused(resident, bad):
    with pytest.raises(ValidationError):
        profile_services.profile_set_pseudonym(user=resident, pseudonym=bad)
    assert Profile.objects.get(user=resident).pseudonym == "Habitante"


def test_accented_pseudonyms_are_welcome(resident):
    profile_services.profile_set_pseudonym(user=resident, pseudonym="Zoé Lefèvre-Dupré")
    assert Profile.objects.get(user=resident).pseudonym == "Zoé Lefèvre-Dupré"


def test_a_request_to_join_approved_by_a_facilitator_makes_a_member(panel, resident, facilitator):
    request = panel_services.join_request_create(panel=panel, user=resident, message="Cycliste")
    with pytest.raises(ValidationError):  # one pending request at a time
        panel_services.join_request_create(panel=panel, user=resident)
    panel_services.join_request_decide(join_request=request, by=facilitator, accept=True)
    assert Membership.objects.get(panel=panel, user=resident).role == Membership.Role.MEMBER
    entry = DeliberationLogEntry.objects.filter(action="member.joined").latest("pk")
    assert entry.payload == {
        "actor": "Habitante",
        "member": "Habitante",
        "role": "member",
        "via": "request",
    }
    with pytest.raises(ValidationError) as exc_info:  # answered once
        panel_services.join_request_decide(join_request=request, by=facilitator, accept=False)
    assert exc_info.value.messages == [str(panel_services.ERROR_ALREADY_DECIDED)]


def test_only_a_facilitator_decides_a_request(panel, resident, member):
    request = panel_services.join_request_create(panel=panel, user=resident)
    with pytest.raises(ValidationError):
        panel_services.join_request_decide(join_request=request, by=member, accept=True)
    assert not Membership.objects.filter(user=resident).exists()


def test_a_declined_request_leaves_no_trace_in_the_public_log(panel, resident, facilitator):
    before = DeliberationLogEntry.objects.count()
    request = panel_services.join_request_create(panel=panel, user=resident)
    panel_services.join_request_decide(join_request=request, by=facilitator, accept=False)
    assert DeliberationLogEntry.objects.count() == before
    assert JoinRequest.objects.get(pk=request.pk).status == JoinRequest.Status.DECLINED
    panel_services.join_request_create(panel=panel, user=resident)  # may ask again


def test_members_cannot_ask_to_join_again(panel, member):
    with pytest.raises(ValidationError) as exc_info:
        panel_services.join_request_create(panel=panel, user=member)
    assert exc_info.value.code == "already_member"


def test_a_panel_closed_to_requests_refuses_them(panel, resident):
    panel.accepts_requests = False
    panel.save()
    with pytest.raises(ValidationError) as exc_info:
        panel_services.join_request_create(panel=panel, user=resident)
    assert exc_info.value.messages == [str(panel_services.ERROR_CLOSED_TO_REQUESTS)]


def test_an_invitation_by_pseudonym_is_emailed_and_accepted_by_the_invitee(
    panel, resident, facilitator, settings
):
    settings.TACTIQUE_SITE_URL = "https://tactique.example.org"
    invitation = panel_services.invitation_create(
        panel=panel, by=facilitator, pseudonym="habitante"
    )
    assert run_queued_jobs("common.send_email") == 1
    assert [m.to for m in mail.outbox] == [["habitante@example.org"]]
    assert panel.name in mail.outbox[0].subject
    assert "https://tactique.example.org/" in mail.outbox[0].body  # a link that works in a mail
    other = make_user("Intrus")
    with pytest.raises(ValidationError):
        panel_services.invitation_answer(invitation=invitation, user=other, accept=True)
    panel_services.invitation_answer(invitation=invitation, user=resident, accept=True)
    assert Membership.objects.filter(panel=panel, user=resident).exists()
    assert DeliberationLogEntry.objects.filter(action="member.invited").exists()


def test_inviting_an_unknown_pseudonym_says_so(panel, facilitator):
    with pytest.raises(ValidationError) as exc_info:
        panel_services.invitation_create(panel=panel, by=facilitator, pseudonym="Personne")
    assert exc_info.value.messages == [
        str(panel_services.ERROR_UNKNOWN_PSEUDONYM) % {"pseudonym": "Personne"}
    ]


def test_only_facilitators_invite(panel, member, resident):
    with pytest.raises(ValidationError):
        panel_services.invitation_create(panel=panel, by=member, pseudonym="Habitante")


def test_members_comment_on_open_proposals(proposal, member, resident):
    comment = deliberation.comment_add(definition=proposal, user=member, body="  Bonne idée. ")
    assert comment.body == "Bonne idée."
    assert DeliberationLogEntry.objects.filter(
        action="proposal.commented", definition=proposal
    ).exists()
    with pytest.raises(ValidationError):
        deliberation.comment_add(definition=proposal, user=resident, body="Je ne suis pas membre")
    with pytest.raises(ValidationError) as exc_info:
        deliberation.comment_add(definition=proposal, user=member, body="   ")
    assert exc_info.value.message_dict["body"] == [str(deliberation.ERROR_EMPTY_COMMENT)]


def test_the_log_never_holds_an_email_address(adopted, resident, panel, facilitator):
    panel_services.invitation_create(panel=panel, by=facilitator, pseudonym="Habitante")
    for entry in DeliberationLogEntry.objects.all():
        assert "@" not in str(entry.payload)


def test_an_account_without_profile_gets_a_neutral_pseudonym_when_it_joins(panel, facilitator):
    from django.contrib.auth.models import User

    user = User.objects.create_user("sans-profil@example.org", email="sans-profil@example.org")
    panel_services.membership_add(panel=panel, user=user, by=facilitator)
    assert user.profile.pseudonym == f"participant-{user.pk}"
