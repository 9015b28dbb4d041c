"""The error pages, as production serves them (DEBUG off): in French, in the site's layout,
without any technical detail (no traceback, no Django message, nothing of the request)."""

import pytest
from django.test import RequestFactory, override_settings
from django.views.defaults import server_error

from tests.participation.fixtures import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_production")]

TECHNICAL = ("Traceback", "Django", "MultiPartParserError", "TooManyFieldsSent", "exception")


@pytest.fixture
def _production(settings):
    settings.DEBUG = False


def french_page(response, status, title):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert title in page
    assert 'class="site-header"' in page  # the site's layout (templates/base.html)
    for word in TECHNICAL:
        assert word not in page
    return page


def test_a_malformed_multipart_body_gets_the_french_400_page(client):
    response = client.generic(
        "POST", "/comptes/login/", b"--\r\n", content_type="multipart/form-data; boundary="
    )
    french_page(response, 400, "Requête incomprise")


def test_a_multipart_body_without_boundary_gets_the_french_400_page(client):
    response = client.generic(
        "POST", "/comptes/login/", b"anything", content_type="multipart/form-data"
    )
    french_page(response, 400, "Requête incomprise")


def test_too_many_fields_get_the_french_400_page(client):
    body = "&".join(f"f{i}=1" for i in range(1500)).encode()
    response = client.generic(
        "POST", "/comptes/login/", body, content_type="application/x-www-form-urlencoded"
    )
    french_page(response, 400, "Requête incomprise")


def test_a_refused_page_gets_the_french_403_page(client):
    client.force_login(make_user("Habitante"))
    french_page(client.get("/comptages/import/"), 403, "Accès refusé")


def test_a_form_without_its_csrf_token_gets_the_french_403_page(db):
    from django.test import Client

    page = french_page(
        Client(enforce_csrf_checks=True).post("/comptes/login/", {"login": "a@example.org"}),
        403,
        "Accès refusé",
    )
    assert "la page avait expiré" in page
    assert "CSRF" not in page


def test_an_unknown_address_gets_the_french_404_page(client):
    french_page(client.get("/nulle-part/"), 404, "Page introuvable")


def test_too_many_sign_in_attempts_get_the_french_429_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    for _ in range(2):
        response = client.post(
            "/comptes/login/", {"login": "quelquun@example.org", "password": "faux"}
        )
    french_page(response, 429, "Trop de tentatives")


@override_settings(DEBUG=False)
def test_a_server_error_gets_the_french_500_page_without_details():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Une erreur est survenue" in page
    assert 'class="site-header"' in page
    assert "Traceback" not in page
