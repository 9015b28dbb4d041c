"""Shared stretches: one arrangement for the features of several lines on the same street, in
the importer and for data imported before (migration `amenagements` 0005)."""

import datetime as dt
import importlib
import io
import json
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from amenagements import services as amenagement_services
from amenagements.importing.stretches import shared_name
from amenagements.models import Adaptation, Amenagement
from evaluation.models import EvaluationRun
from participation.models import CitizenPanel, Contribution
from tests.participation.fixtures import make_user
from usage.models import Counter, CounterLink

SOURCE = "reseau-test"
QUAI = [[4.8300, 45.7500], [4.8310, 45.7510], [4.8320, 45.7520]]
PONT = [[4.8320, 45.7520], [4.8330, 45.7520]]
AILLEURS = [[4.8400, 45.7600], [4.8410, 45.7610]]
merge_migration = importlib.import_module("amenagements.migrations.0005_shared_stretches")


def feature(line, name, coordinates, kind="piste cyclable", status="réalisé"):
    return {
        "type": "Feature",
        "properties": {"ligne": line, "nom": name, "type": kind, "statut": status},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }


def import_file(tmp_path, features, as_of):
    path = tmp_path / f"reseau-{as_of}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = io.StringIO()
    call_command(
        "import_amenagements",
        str(path),
        "--source",
        SOURCE,
        "--as-of",
        as_of,
        "--id-field",
        "ligne,nom",
        "--name-template",
        "Ligne {ligne} — {nom}",
        "--kind-field",
        "type",
        "--status-field",
        "statut",
        stdout=out,
    )
    return out.getvalue()


def arrangements():
    return Amenagement.objects.filter(external_source=SOURCE).order_by("pk")


def history():
    return sorted(
        Adaptation.objects.filter(amenagement__external_source=SOURCE).values_list(
            "amenagement_id", "kind", "date"
        )
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Ligne 3 — Quai Jaÿr", "Ligne 10 — Quai Jaÿr"], "Ligne 3 et 10 — Quai Jaÿr"),
        (
            ["Ligne 7 — Tête d'Or", "Ligne 1 — Tête d'Or", "Ligne 5 — Tête d'Or"],
            ("Ligne 1, 5 et 7 — Tête d'Or"),
        ),
        (["Cours Gambetta", "Quai Perrache"], "Cours Gambetta et Quai Perrache"),
        (["Rue A", "Rue A"], "Rue A"),
    ],
)
def test_a_shared_stretch_is_named_once_with_its_lines_listed(names, expected):
    with translation.override("fr"):
        assert shared_name(names) == expected


@pytest.mark.django_db
def test_features_of_several_lines_on_one_stretch_are_one_arrangement(tmp_path, client):
    output = import_file(
        tmp_path,
        [
            feature("1", "Quai", QUAI),
            feature("2", "Quai", QUAI),
            feature("2", "Pont", PONT),
        ],
        "2024-10-01",
    )

    quai, pont = arrangements()
    assert quai.name == "Ligne 1 et 2 — Quai"
    assert (quai.external_id, quai.shared_external_ids) == ("1 | Quai", ["2 | Quai"])
    assert quai.stretch_names == ["Ligne 1 — Quai", "Ligne 2 — Quai"]
    assert pont.shared_external_ids == []
    assert "one shared stretch: 1" in output or "un seul tronçon commun : 1" in output
    page = client.get(quai.get_absolute_url()).content.decode()
    assert "Ce tronçon appartient à 2 lignes" in page
    assert "Ligne 1 — Quai" in page
    assert "Ligne 2 — Quai" in page


@pytest.mark.django_db
def test_reimporting_a_file_with_shared_stretches_changes_nothing(tmp_path):
    features = [feature("1", "Quai", QUAI), feature("2", "Quai", QUAI)]
    import_file(tmp_path, features, "2024-10-01")
    before = (list(arrangements().values_list("pk", "shared_external_ids")), history())

    import_file(tmp_path, features, "2025-01-01")

    assert (list(arrangements().values_list("pk", "shared_external_ids")), history()) == before


@pytest.mark.django_db
def test_a_line_joining_a_stretch_later_records_no_new_arrangement_nor_adaptation(tmp_path):
    import_file(tmp_path, [feature("1", "Quai", QUAI)], "2024-10-01")
    before = history()

    import_file(tmp_path, [feature("1", "Quai", QUAI), feature("3", "Quai", QUAI)], "2025-01-01")

    (quai,) = arrangements()
    assert quai.shared_external_ids == ["3 | Quai"]
    assert quai.name == "Ligne 1 et 3 — Quai"
    assert history() == before


@pytest.mark.django_db
def test_a_split_stretch_stays_with_the_line_still_on_it(tmp_path):
    import_file(tmp_path, [feature("1", "Quai", QUAI), feature("2", "Quai", QUAI)], "2024-10-01")
    (stretch,) = arrangements()

    # Line 1 now runs elsewhere; line 2 still on the quay, which is unchanged.
    import_file(
        tmp_path, [feature("1", "Quai", AILLEURS), feature("2", "Quai", QUAI)], "2025-01-01"
    )

    kept, moved = arrangements()
    assert kept.pk == stretch.pk
    assert (kept.external_id, kept.shared_external_ids) == ("2 | Quai", [])
    assert list(kept.adaptations.values_list("kind", flat=True)) == ["created"]
    assert moved.external_id == "1 | Quai"
    assert moved.geom.equals_exact(LineString(AILLEURS, srid=4326), 1e-9)


@pytest.mark.django_db
def test_one_geometry_said_to_be_two_kinds_stays_two_arrangements(tmp_path):
    import_file(
        tmp_path,
        [
            feature("1", "Quai", QUAI, kind="piste cyclable"),
            feature("2", "Quai", QUAI, kind="voie verte"),
        ],
        "2024-10-01",
    )

    assert arrangements().count() == 2


# --- the migration: arrangements imported before, one per line --------------------------------


def _line_arrangement(line):
    commune = amenagement_services.commune_get_or_create(name="Lyon")
    return amenagement_services.amenagement_create(
        name=f"Ligne {line} — Quai",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString(QUAI, srid=4326),
        date=dt.date(2024, 10, 1),
        commune=commune,
        external_source=SOURCE,
        external_id=f"{line} | Quai",
    )


def _opinion(user, amenagement, comment):
    return Contribution.objects.create(
        user=user, version=amenagement.versions.get(), comment=comment
    )


def _merge_existing():
    merge_migration.merge_shared_stretches(django_apps, SimpleNamespace(connection=connection))


@pytest.mark.django_db
def test_the_migration_merges_one_arrangement_per_line_into_the_stretch_losing_nothing(client):
    first, second, elsewhere = _line_arrangement(1), _line_arrangement(2), _line_arrangement(3)
    Amenagement.objects.filter(pk=elsewhere.pk).update(geom=LineString(AILLEURS, srid=4326))
    alice, bob = make_user("Alice"), make_user("Bob")
    _opinion(alice, first, "Avant.")
    _opinion(alice, second, "Plus tard, sur l'autre ligne.")  # her later opinion
    _opinion(bob, second, "Seulement sur la ligne 2.")
    counter = Counter.objects.create(
        source="c", external_id="1", name="C1", location=Point(4.83, 45.75)
    )
    other_counter = Counter.objects.create(
        source="c", external_id="2", name="C2", location=Point(4.831, 45.751)
    )
    CounterLink.objects.create(counter=counter, amenagement=first, distance_m=3)
    CounterLink.objects.create(counter=counter, amenagement=second, distance_m=3)
    CounterLink.objects.create(counter=other_counter, amenagement=second, distance_m=8)
    run = EvaluationRun.objects.create(
        amenagement=second, as_of=dt.date(2025, 1, 1), frequency="daily", method_version="t"
    )
    panel = CitizenPanel.objects.create(name="Panel", slug="panel")
    panel.amenagements.add(second)

    _merge_existing()

    (stretch,) = Amenagement.objects.filter(geom__equals=LineString(QUAI, srid=4326))
    assert stretch.pk == first.pk
    assert stretch.name == "Ligne 1 et 2 — Quai"
    assert stretch.shared_external_ids == ["2 | Quai"]
    assert Amenagement.objects.filter(pk=elsewhere.pk).exists()
    opinions = Contribution.objects.filter(version__amenagement=stretch)
    assert sorted(opinions.values_list("user__profile__pseudonym", "comment")) == [
        ("Alice", "Plus tard, sur l'autre ligne."),
        ("Bob", "Seulement sur la ligne 2."),
    ]
    assert sorted(stretch.counters.values_list("external_id", flat=True)) == ["1", "2"]
    run.refresh_from_db()
    assert run.amenagement_id == stretch.pk
    assert list(panel.amenagements.all()) == [stretch]
    assert list(stretch.adaptations.values_list("kind", flat=True)) == ["created"]
    # The merged arrangement's address leads to the stretch.
    response = client.get(f"/amenagements/{second.slug}/")
    assert response.status_code == 301
    assert response["Location"] == stretch.get_absolute_url()


@pytest.mark.django_db
def test_the_migration_leaves_apart_lines_whose_histories_differ():
    first, second = _line_arrangement(1), _line_arrangement(2)
    amenagement_services.amenagement_adapt(
        amenagement=second,
        date=dt.date(2025, 3, 1),
        kind=Adaptation.Kind.MADE_PERMANENT,
        status=Amenagement.Status.PERMANENT,
    )
    Amenagement.objects.filter(pk=second.pk).update(status=Amenagement.Status.TESTING)

    _merge_existing()

    assert Amenagement.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
