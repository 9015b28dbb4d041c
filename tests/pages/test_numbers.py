"""Numbers as French readers write them: thousands grouped, a decimal comma (« 1 001 »,
« 2 951,49 »), on the counts people read on the pages."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import LineString
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from amenagements.models import Amenagement, Commune

pytestmark = pytest.mark.django_db

# French groups thousands with a (narrow) no-break space; any space-like character will do here.
GROUPED = r"1[\s\u202f\u00a0]001"


def test_the_map_counts_a_large_network_with_grouped_thousands(client):
    lyon = Commune.objects.create(name="Lyon", slug="lyon")
    Amenagement.objects.bulk_create(
        Amenagement(
            slug=f"rue-{i}",
            name=f"Rue {i}",
            kind=Amenagement.Kind.BIKE_LANE,
            status=Amenagement.Status.TESTING,
            commune=lyon,
            opened_on=dt.date(2020, 5, 11),
            geom=LineString((4.83, 45.76 + i * 1e-5), (4.835, 45.761 + i * 1e-5), srid=4326),
        )
        for i in range(1001)
    )
    html = client.get(reverse("pages:map")).content.decode()
    assert re.search(GROUPED + " aménagements", html)
    # The facet counts too: every one of them is a bike lane being tested, in Lyon.
    assert len(re.findall(r'<span class="count">\(' + GROUPED + r"\)</span>", html)) == 3


def test_an_indicator_result_reads_with_a_decimal_comma_and_grouped_thousands():
    result = SimpleNamespace(
        definition=SimpleNamespace(name="Passages par jour"),
        value=2951.49,
        interval_low=1234.5,
        interval_high=4321.0,
        details={"unit": "passages", "target": 3000},
        n=12345,
        status="ok",
        get_status_display=lambda: "Atteint",
    )
    with translation.override("fr"):
        html = render_to_string(
            "evaluation/_results_table.html", {"results": [result], "caption": "Résultats"}
        )
    text = re.sub(r"[\u202f\u00a0]", " ", html)
    assert "2 951,49 passages" in text
    assert "de 1 234,50 à 4 321" in text
    assert ">3 000<" in text
    assert ">12 345<" in text
