"""The counts upload page takes a bounded body (`TACTIQUE_IMPORT_MAX_BYTES`): a larger file is
refused before it is read, the page says the limit in French, and nothing stored changes."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from usage.forms import ERROR_FILE_TOO_LARGE
from usage.models import Counter, ImportRun, Reading

from .helpers import import_text, make_counter

pytestmark = pytest.mark.django_db


def stored():
    return (ImportRun.objects.count(), Reading.objects.count(), Counter.objects.count())


@pytest.fixture
def importer(db):
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    return user


def test_a_file_over_the_limit_is_refused_with_the_limit_and_nothing_changes(
    client, importer, settings
):
    make_counter("C1")
    import_text("counter,date,count\nC1,2020-05-12,120\n")
    settings.TACTIQUE_IMPORT_MAX_BYTES = 2_000_000
    before = stored()
    client.force_login(importer)
    big = b"counter,date,count\n" + b"C1,2020-05-13,7\n" * 150_000  # 2.4 MB
    response = client.post(
        reverse("usage:import"),
        {"kind": "readings", "source": "test", "file": SimpleUploadedFile("gros.csv", big)},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert escape(str(ERROR_FILE_TOO_LARGE) % {"max": 2}) in page
    assert "2 Mo au plus" in page
    assert stored() == before


def test_a_file_within_the_limit_is_queued(client, importer, settings):
    make_counter("C1")
    settings.TACTIQUE_IMPORT_MAX_BYTES = 2_000_000
    before = ImportRun.objects.count()
    client.force_login(importer)
    response = client.post(
        reverse("usage:import"),
        {
            "kind": "readings",
            "source": "test",
            "file": SimpleUploadedFile("petit.csv", b"counter,date,count\nC1,2020-05-13,7\n"),
        },
    )
    assert response.status_code == 302
    assert ImportRun.objects.count() == before + 1
