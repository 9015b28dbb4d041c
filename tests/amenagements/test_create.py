"""Staff create an arrangement in the app, drawn on the map (`amenagements.views`)."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from amenagements.models import Adaptation, Amenagement

pytestmark = pytest.mark.django_db

URL = reverse("amenagements:create")
LINE = {"type": "LineString", "coordinates": [[4.83, 45.76], [4.835, 45.761]]}


def agent(*codenames):
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def fields(**changes):
    return {
        "name": "Coronapiste de la rue Garibaldi",
        "kind": "bike_lane",
        "status": "testing",
        "commune": "Lyon",
        "date": "2020-05-11",
        "decision_deadline": "2021-05-11",
        "description": "Piste provisoire.",
        "geom": json.dumps(LINE),
        **changes,
    }


def test_staff_draw_a_new_arrangement_and_land_on_its_page(client):
    client.force_login(agent("add_amenagement"))
    assert client.get(URL).status_code == 200

    response = client.post(URL, fields())

    amenagement = Amenagement.objects.get()
    assert response["Location"] == amenagement.get_absolute_url()
    assert (amenagement.commune.name, amenagement.decision_deadline) == (
        "Lyon",
        dt.date(2021, 5, 11),
    )
    created = amenagement.adaptations.get()
    assert (created.kind, created.date) == (Adaptation.Kind.CREATED, dt.date(2020, 5, 11))
    assert amenagement.versions.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"geom": json.dumps({"type": "Point", "coordinates": [4.83, 45.76]})}, None),
        ({"decision_deadline": "2020-01-01"}, "decision_deadline"),
        ({"name": ""}, "name"),
    ],
    ids=["point", "deadline-before", "no-name"],
)
def test_a_wrong_arrangement_is_refused_with_a_message_and_nothing_stored(client, changes, field):
    client.force_login(agent("add_amenagement"))

    response = client.post(URL, fields(**changes))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] if field else form.non_field_errors()
    assert not Amenagement.objects.exists()


@pytest.mark.parametrize("codenames", [(), ("add_adaptation",)])
def test_only_staff_allowed_to_add_arrangements_create_them(client, codenames):
    client.force_login(agent(*codenames))
    assert client.get(URL).status_code == 403
    assert client.post(URL, fields()).status_code == 403
    assert not Amenagement.objects.exists()
