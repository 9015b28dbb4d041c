"""Staff create a citizen panel in the app; its facilitator runs it (`participation.panels`)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from amenagements.services import commune_get_or_create
from participation.models import CitizenPanel, Membership
from participation.panels import services

from .fixtures import make_user

pytestmark = pytest.mark.django_db

URL = reverse("participation:panel_create")


def agent(*codenames):
    user = make_user("Agent", staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_staff_create_a_panel_with_its_facilitator(client):
    facilitator = make_user("Animatrice")
    lyon = commune_get_or_create(name="Lyon")
    client.force_login(agent("add_citizenpanel"))
    assert client.get(URL).status_code == 200

    response = client.post(
        URL,
        {
            "name": "Panel de la Croix-Rousse",
            "description": "Juger les aménagements du plateau.",
            "communes": [lyon.pk],
            "facilitator": "animatrice",
            "quorum": 4,
            "min_endorsement_percent": 70,
        },
    )

    panel = CitizenPanel.objects.get()
    assert response["Location"] == reverse("participation:panel", args=[panel.slug])
    assert (panel.quorum, panel.min_endorsement_percent) == (4, 70)
    assert list(panel.communes.all()) == [lyon]
    membership = Membership.objects.get(panel=panel)
    assert (membership.user, membership.is_facilitator) == (facilitator, True)


def test_an_unknown_facilitator_is_said_and_no_panel_created(client):
    client.force_login(agent("add_citizenpanel"))

    response = client.post(
        URL,
        {"name": "Panel", "facilitator": "Personne", "quorum": 3, "min_endorsement_percent": 60},
    )

    assert (
        str(services.ERROR_UNKNOWN_PSEUDONYM % {"pseudonym": "Personne"})
        in (response.context["form"].errors["facilitator"])
    )
    assert not CitizenPanel.objects.exists()


def test_only_staff_allowed_to_add_panels_create_them(client):
    client.force_login(agent())
    assert client.get(URL).status_code == 403
    assert (
        client.post(URL, {"name": "P", "quorum": 3, "min_endorsement_percent": 60}).status_code
        == 403
    )
    assert not CitizenPanel.objects.exists()
