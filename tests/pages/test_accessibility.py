"""The accessibility declaration (RGAA) and the attribution of the data where they are shown."""

import pytest
from django.urls import reverse

from amenagements.models import Amenagement
from tests.amenagements.fixtures import HTMX, make
from tests.usage.helpers import make_counter

pytestmark = pytest.mark.django_db

LYON = "MIT, © 2024 La Ville à Vélo, cyclopolis project"
PARIS = "Open Database License, Ville de Paris"


def test_the_declaration_states_conformity_exemptions_contact_and_recourse(client, settings):
    settings.TACTIQUE_ACCESSIBILITY_CONTACT = "accessibilite@example.org"
    page = client.get(reverse("pages:accessibility")).content.decode()
    assert "<h1>Déclaration d’accessibilité</h1>" in page
    assert "Tactique est <strong>non conforme</strong> avec le RGAA 4.1" in page
    for heading in ("Contenus non accessibles", "Dérogations", "Voies de recours"):
        assert f"<h3>{heading}</h3>" in page or f"<h2>{heading}</h2>" in page
    assert 'href="mailto:accessibilite@example.org"' in page
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in page


def test_without_its_own_address_the_declaration_gives_the_privacy_one(client, settings):
    settings.TACTIQUE_ACCESSIBILITY_CONTACT = ""
    settings.TACTIQUE_PRIVACY_CONTACT = "dpo@example.org"
    page = client.get(reverse("pages:accessibility")).content.decode()
    assert 'href="mailto:dpo@example.org"' in page


def test_every_page_links_to_the_declaration_with_its_conformity_state(client):
    link = f'<a href="{reverse("pages:accessibility")}">Accessibilité : non conforme</a>'
    for url in (reverse("pages:map"), reverse("indicators:catalogue")):
        assert link in client.get(url).content.decode()


def test_the_map_names_the_source_of_the_arrangements_and_counters_it_shows(client):
    lyon = make("Rue A")
    Amenagement.objects.filter(pk=lyon.pk).update(attribution=LYON)
    make("Rue B", offset=0.01)  # no attribution recorded: nothing to add
    counter = make_counter("C1")
    type(counter).objects.filter(pk=counter.pk).update(attribution=PARIS)
    page = client.get(reverse("pages:map")).content.decode()
    assert f"Sources des données : {LYON} ; {PARIS}</p>" in page
    # The overview shows arrangements, not counters.
    overview = client.get(reverse("pages:overview")).content.decode()
    assert f"Sources des données : {LYON}</p>" in overview
    # The side panel and the arrangement's page name it too.
    panel = client.get(reverse("pages:summary", args=[lyon.slug]), **HTMX).content.decode()
    assert f"Source : {LYON}" in panel
