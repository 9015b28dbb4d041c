"""Accounts with django-allauth, as a resident goes through them: sign up with a pseudonym,
verify the email address before taking part, sign in and out; emails stay private."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from participation.models import JoinRequest, Profile
from participation.panels import services as panel_services
from tests.jobs import queued_jobs, run_queued_jobs
from tests.participation.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "zoe@example.org",
    "pseudonym": "Zoé",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/comptes/confirm-email/[^\s]+/)", message.body).group(1)


def test_the_sign_up_page_asks_for_a_pseudonym_and_explains_privacy(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert '<label for="id_pseudonym">' in page
    assert '<label for="id_email">' in page
    assert 'aria-describedby="id_pseudonym_help"' in page


def test_signing_up_sends_a_verification_email_and_does_not_sign_in(client, panel):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="zoe@example.org")
    assert Profile.objects.get(user=user).pseudonym == "Zoé"
    assert mail.outbox == []  # queued with the account, sent by the worker
    run_queued_jobs()
    assert len(mail.outbox) == 1
    assert "/comptes/confirm-email/" in mail.outbox[0].body
    # Not signed in: taking part sends to the login page.
    join = client.post(reverse("participation:join", args=[panel.slug]))
    assert join["Location"].startswith(reverse("account_login"))
    assert not JoinRequest.objects.exists()


def test_an_unverified_account_cannot_sign_in_until_the_link_is_followed(client, panel):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "zoe@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    # The link in the email verifies the address; the resident can then sign in and take part.
    run_queued_jobs()
    link = confirmation_link(mail.outbox[-1])
    assert client.get(link).status_code == 200
    client.post(link)
    client.post(reverse("account_login"), {"login": "zoe@example.org", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    response = client.post(reverse("participation:join", args=[panel.slug]))
    assert response["Location"] == panel.get_absolute_url()
    assert JoinRequest.objects.get().user.email == "zoe@example.org"


def test_following_the_link_right_after_sign_up_signs_in(client):
    client.post(reverse("account_signup"), SIGNUP)
    run_queued_jobs()
    client.post(confirmation_link(mail.outbox[0]))
    assert "_auth_user_id" in client.session
    page = client.get(reverse("participation:profile")).content.decode()
    assert 'value="Zoé"' in page


def test_a_taken_pseudonym_is_refused_at_sign_up_keeping_what_was_typed(client, member):
    response = client.post(reverse("account_signup"), {**SIGNUP, "pseudonym": "membre"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_pseudonym_errors"' in page
    assert 'value="zoe@example.org"' in page
    assert not User.objects.filter(email="zoe@example.org").exists()
    assert queued_jobs() == []


def test_the_pseudonym_is_shown_on_public_pages_never_the_email(client, panel):
    client.post(reverse("account_signup"), {**SIGNUP, "email": "secret.zoe@example.org"})
    run_queued_jobs()
    client.post(confirmation_link(mail.outbox[0]))
    client.post(reverse("participation:join", args=[panel.slug]))
    panel_services.join_request_decide(
        join_request=JoinRequest.objects.get(),
        by=panel.memberships.get(role="facilitator").user,
        accept=True,
    )
    client.logout()
    page = client.get(panel.get_absolute_url()).content.decode()
    assert "Zoé" in page
    assert "secret.zoe" not in page


def test_the_login_page_is_french_with_labelled_fields(client):
    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="fr">' in page
    assert '<label for="id_login">' in page
    assert '<label for="id_password">' in page
    assert f'href="{reverse("account_reset_password")}"' in page


def test_a_wrong_password_says_so_and_keeps_the_email(client, member):
    response = client.post(
        reverse("account_login"), {"login": "membre@example.org", "password": "faux"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert 'value="membre@example.org"' in page
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post_not_a_link(client, member):
    client.force_login(member)
    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited(client, member):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "membre@example.org", "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": "membre@example.org", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}


def test_the_password_reset_page_is_in_the_site_layout(client):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert 'class="site-header"' in page
    assert '<label for="id_email">' in page


def test_signing_up_from_an_arrangement_returns_to_it_once_the_address_is_verified(
    client, amenagement
):
    # The arrangement invites to sign up with its address as `next`; the sign-in page keeps it.
    page = client.get(amenagement.get_absolute_url()).content.decode()
    signup = reverse("account_signup") + "?next=" + amenagement.get_absolute_url()
    assert f'href="{signup}"' in page
    form = client.get(signup).content.decode()
    assert f'name="next" value="{amenagement.get_absolute_url()}"' in form
    login = reverse("account_login") + "?next=" + amenagement.get_absolute_url()
    assert f'href="{login}"' in form
    assert f'href="{signup}"' in client.get(login).content.decode()

    client.post(signup, {**SIGNUP, "next": amenagement.get_absolute_url()})
    run_queued_jobs()
    response = client.post(confirmation_link(mail.outbox[0]))
    assert "_auth_user_id" in client.session
    assert response["Location"] == amenagement.get_absolute_url()


def test_account_emails_say_tactique_and_carry_absolute_links(client, settings):
    settings.TACTIQUE_SITE_URL = "https://tactique.example.org/"
    client.post(reverse("account_signup"), SIGNUP)
    run_queued_jobs()
    body = mail.outbox[0].body
    assert "Tactique" in body.splitlines()[0]  # « Bonjour, c’est Tactique ! »
    assert "compte sur https://tactique.example.org." in body
    assert "https://tactique.example.org\n" in body + "\n"
    assert re.search(r"https?://[^/\s]+/comptes/confirm-email/\S+/", body)
    assert " !\n" not in body.replace("Tactique !\n", "")  # no empty site name left
    assert "sur ." not in body
