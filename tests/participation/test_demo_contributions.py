"""`load_demo_contributions`: demonstration opinions, labelled as such, loaded once."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString
from django.core.management import call_command
from django.utils.translation import gettext as _

from amenagements import services
from amenagements.models import Amenagement
from participation.models import Contribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    commune = services.commune_get_or_create(name="Métropole de Lyon")
    for i in range(4):
        services.amenagement_create(
            name=f"Voie {i}",
            kind=Amenagement.Kind.BIKE_LANE,
            status=Amenagement.Status.TESTING,
            geom=LineString((4.83, 45.75 + i / 1000), (4.84, 45.75 + i / 1000), srid=4326),
            date=dt.date(2020, 5, 11),
            commune=commune,
        )


def test_demo_opinions_are_labelled_and_loaded_once(client, network, capsys):
    call_command("load_demo_indicators")
    call_command("load_demo_contributions")
    count = Contribution.objects.count()

    assert count > 0
    assert not Contribution.objects.filter(is_demo=False).exists()
    assert Contribution.objects.exclude(comment="").exists()
    assert Contribution.objects.filter(point__isnull=False, position_m__isnull=False).exists()
    voie = Contribution.objects.exclude(comment="").first().version.amenagement
    html = client.get(voie.get_absolute_url()).content.decode()
    assert "badge--demo" in html

    capsys.readouterr()
    call_command("load_demo_contributions")
    assert Contribution.objects.count() == count
    assert capsys.readouterr().out.strip() == _("Demonstration opinions already loaded: skipped.")


def test_without_adopted_questions_it_says_what_to_run_first(network, capsys):
    call_command("load_demo_contributions")
    assert Contribution.objects.count() == 0
    assert "load_demo_indicators" in capsys.readouterr().out
