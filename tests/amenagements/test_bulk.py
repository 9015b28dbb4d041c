"""Adaptations recorded in bulk from a file: dry run, rejects with their line, idempotent
(`amenagements.bulk`)."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext as _

from amenagements.bulk import reading, services
from amenagements.models import Adaptation, Amenagement, AmenagementVersion
from tests.amenagements.fixtures import make

pytestmark = pytest.mark.django_db

NEW_LAYOUT = "LINESTRING (4.83 45.76, 4.838 45.7615)"


@pytest.fixture
def quai(db):
    return make("Quai Test")


@pytest.fixture
def rue(db):
    return make("Rue Test", offset=0.01)


def works_file(quai, rue) -> str:
    # French headers and names, semicolons, lines out of date order, one bad line of each kind.
    return (
        "amenagement;date;type;description;geometrie;statut\n"
        f"{quai.slug};12/03/2021;Élargi;Élargie côté Saône;{NEW_LAYOUT};\n"
        f"{rue.pk};2021-01-05;separated;Plots posés;;\n"
        f"{quai.pk};2021-01-04;Séparation ajoutée;Séparateurs;;\n"
        "inconnu;2021-02-01;widened;;;\n"
        f"{rue.slug};31/02/2021;widened;;;\n"
        f"{rue.slug};2021-02-01;agrandi;;;\n"
        f"{rue.slug};2021-06-01;made_permanent;Pérennisée;;pérenne\n"
        f"{quai.slug};2019-01-01;narrowed;Avant sa création;;\n"
    )


def events(amenagement) -> list[tuple[dt.date, str]]:
    return [(a.date, a.kind) for a in amenagement.adaptations.order_by("date", "pk")]


def test_a_file_of_works_is_recorded_in_date_order_and_its_bad_lines_rejected(quai, rue):
    read = reading.adaptations_read(works_file(quai, rue).encode())

    result = services.adaptations_import(read=read)

    assert (result.read, result.recorded, result.arrangements, result.already) == (8, 4, 2, 0)
    assert [reject.line for reject in result.rejects] == [5, 6, 7, 9]
    reasons = {r.line: r.reason for r in result.rejects}
    assert reasons[5] == str(services.REJECT_UNKNOWN % {"value": "inconnu"})
    assert reasons[6] == str(reading.REJECT_BAD_DATE % {"value": "31/02/2021"})
    assert "agrandi" in reasons[7]
    assert "2019-01-01" in reasons[9]  # before its creation: the service's own reason
    quai.refresh_from_db()
    rue.refresh_from_db()
    assert events(quai)[1:] == [
        (dt.date(2021, 1, 4), Adaptation.Kind.SEPARATED),
        (dt.date(2021, 3, 12), Adaptation.Kind.WIDENED),
    ]
    assert quai.geom.equals_exact(reading.GEOSGeometry(NEW_LAYOUT, srid=4326), 1e-9)
    assert quai.versions.count() == 2
    assert rue.status == Amenagement.Status.PERMANENT


def test_importing_the_same_file_again_records_nothing_twice(quai, rue):
    data = works_file(quai, rue).encode()
    services.adaptations_import(read=reading.adaptations_read(data))
    counts = (Adaptation.objects.count(), AmenagementVersion.objects.count())

    again = services.adaptations_import(read=reading.adaptations_read(data))

    assert (again.recorded, again.already) == (0, 4)
    assert (Adaptation.objects.count(), AmenagementVersion.objects.count()) == counts


def test_a_dry_run_reports_the_same_and_records_nothing(quai, rue):
    read = reading.adaptations_read(works_file(quai, rue).encode())
    before = (Adaptation.objects.count(), AmenagementVersion.objects.count())

    result = services.adaptations_import(read=read, dry_run=True)

    assert (result.recorded, len(result.rejects), result.dry_run) == (4, 4, True)
    assert (Adaptation.objects.count(), AmenagementVersion.objects.count()) == before
    assert Amenagement.objects.get(pk=rue.pk).status == Amenagement.Status.TESTING


def test_a_geojson_of_new_layouts_is_read_like_the_csv(quai):
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Aménagement": quai.slug, "Date": "2021-03-12", "Type": "moved"},
                "geometry": {"type": "LineString", "coordinates": [[4.83, 45.76], [4.84, 45.76]]},
            },
            {"type": "Feature", "properties": {"amenagement": quai.slug}, "geometry": None},
        ],
    }
    read = reading.adaptations_read(json.dumps(document).encode())

    assert [r.line for r in read.rejects] == [2]
    result = services.adaptations_import(read=read)
    assert (result.recorded, events(quai)[-1]) == (1, (dt.date(2021, 3, 12), "moved"))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"amenagement,type\nx,widened\n", reading.ERROR_MISSING_COLUMN),
        (b"\x00\x01binary", reading.ERROR_NOT_TEXT),
        (b"  \n", reading.ERROR_EMPTY),
        (b'{"type": "Feature"}', reading.ERROR_NOT_GEOJSON),
    ],
    ids=["missing-column", "binary", "empty", "not-a-collection"],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(data, error):
    with pytest.raises(reading.BulkFileError) as raised:
        reading.adaptations_read(data)
    assert str(raised.value).startswith(str(error).split("%")[0])


def test_the_command_prints_rejects_and_a_summary(tmp_path, quai, rue):
    path = tmp_path / "travaux.csv"
    path.write_text(works_file(quai, rue), encoding="utf-8")
    out = io.StringIO()

    call_command("import_adaptations", str(path), "--dry-run", stdout=out)

    assert (
        _("line %(line)s: %(reason)s")
        % {
            "line": 5,
            "reason": services.REJECT_UNKNOWN % {"value": "inconnu"},
        }
        in out.getvalue()
    )
    assert Adaptation.objects.count() == 2  # the two creations only


def staff_with(*codenames):
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_staff_try_then_record_a_file_on_the_page(client, quai, rue):
    url = reverse("amenagements:adaptations_import")
    client.force_login(staff_with("add_adaptation"))
    content = works_file(quai, rue).encode()

    tried = client.post(url, {"file": SimpleUploadedFile("t.csv", content), "dry_run": "on"})
    assert Adaptation.objects.count() == 2
    done = client.post(url, {"file": SimpleUploadedFile("t.csv", content)})

    assert _("Dry run: nothing was recorded") in tried.content.decode()
    assert done.status_code == 200
    assert Adaptation.objects.count() == 6
    assert str(services.REJECT_UNKNOWN % {"value": "inconnu"}) in done.content.decode()


@pytest.mark.parametrize("codenames", [(), ("add_manualcount",)])
def test_only_staff_who_record_adaptations_import_them(client, quai, rue, codenames):
    client.force_login(staff_with(*codenames))
    url = reverse("amenagements:adaptations_import")
    content = works_file(quai, rue).encode()

    assert client.get(url).status_code == 403
    assert client.post(url, {"file": SimpleUploadedFile("t.csv", content)}).status_code == 403
    assert Adaptation.objects.count() == 2
