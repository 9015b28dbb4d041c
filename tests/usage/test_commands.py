"""The import commands and the demo loader."""

import datetime as dt
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from usage.importing import Reject
from usage.importing import messages as m
from usage.management.commands.load_demo_usage import LYON_SOURCE, PARIS_SOURCE
from usage.models import (
    Counter,
    CounterLink,
    DailyTotal,
    ImportRun,
    MonthlyTotal,
    Reading,
)

from .helpers import FIXTURES, daily_csv, import_text, make_counter, north_of

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_import_counts_prints_a_summary_and_writes_the_rejects_beside_the_file(tmp_path):
    counters = tmp_path / "compteurs.csv"
    counters.write_text("id,name,lon,lat\nC1,Quai,4.83,45.76\n", encoding="utf-8")
    counts = tmp_path / "comptages.csv"
    counts.write_text(
        "counter,date,count\nC1,2020-06-01,5\nC1,2020-06-02,n/a\nC1,2020-06-03,7\n",
        encoding="utf-8",
    )
    run("import_counters", str(counters), "--source", "test")

    out = run("import_counts", str(counts), "--source", "test")

    assert _("inserted: %(n)s") % {"n": 2} in out
    assert _("rejected: %(n)s") % {"n": 1} in out
    reject = Reject(3, str(m.REJECT_BAD_COUNT % {"value": "n/a"}))
    assert out.splitlines()[0] == _("rejected — %s") % reject
    rejects = tmp_path / "comptages.rejets.csv"
    assert rejects.read_text(encoding="utf-8").splitlines()[1].startswith("C1,2020-06-02,n/a,3,")

    again = run("import_counts", str(counts), "--source", "test")
    assert _("unchanged: %(n)s") % {"n": 2} in again


def test_import_counts_reads_the_paris_export(tmp_path):
    path = tmp_path / "export.csv"
    shutil.copy(FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv", path)

    out = run("import_counts", str(path), "--source", "paris", "--format", "paris")

    assert _("counters created: %(n)s") % {"n": 1} in out
    assert Reading.objects.count() == 21
    assert ImportRun.objects.get().kind == ImportRun.Kind.PARIS_HOURLY


def test_a_missing_column_is_a_command_error_and_writes_nothing(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("counter,when,count\nC1,2020-06-01,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="when"):
        run("import_counts", str(path), "--source", "test")
    assert not ImportRun.objects.exists()


def test_load_demo_usage_loads_lyon_and_paris_then_skips_what_is_loaded():
    run("load_demo_usage")

    assert Counter.objects.filter(source=LYON_SOURCE).count() == 88
    assert Counter.objects.filter(source=PARIS_SOURCE).count() == 40
    assert Reading.objects.count() == 8883 + 14640
    assert MonthlyTotal.objects.count() == 8883 + 40 * 12
    state = (ImportRun.objects.count(), Reading.objects.count())

    second = run("load_demo_usage")

    assert (ImportRun.objects.count(), Reading.objects.count()) == state
    assert second.count("\n") == 4  # one "already imported" line per file


def test_refresh_usage_relinks_counters_with_the_current_distance(amenagement, settings):
    far = make_counter("FAR", lon=4.834, lat=north_of(4.834, 45.76, 45)[1])
    import_text(daily_csv("FAR", dt.date(2020, 6, 1), [100, 200]))
    assert not CounterLink.objects.exists()
    settings.TACTIQUE_COUNTER_LINK_DISTANCE_M = 50

    run("refresh_usage", "--rollups")

    assert CounterLink.objects.filter(counter=far, amenagement=amenagement).exists()
    assert sorted(DailyTotal.objects.values_list("count", flat=True)) == [100, 200]
