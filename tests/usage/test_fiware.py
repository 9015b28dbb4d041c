"""FIWARE TrafficFlowObserved files, as metropolises publish them: read into counts, their
counters created, repeats dropped, short periods summed into hours (`usage.importing.fiware`)."""

import csv
import datetime as dt
import html
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import gettext as _

from tests.jobs import run_queued_jobs
from usage.importing import fiware
from usage.importing import messages as m
from usage.models import Counter, DailyTotal, ImportRun, Length, Reading

from .test_views import user_with

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def observation(ident, start, end, intensity, *, lane=1, normalized=False, **extra):
    """One observation, key-values (NGSI v2) or normalized (every property a {type, value})."""
    properties = {
        "dateObservedFrom": start,
        "dateObservedTo": end,
        "intensity": intensity,
        "laneId": lane,
        "location": {"type": "Point", "coordinates": [3.8767, 43.6085]},
        "address": {"streetAddress": "Avenue de Toulouse"},
        **extra,
    }
    if normalized:
        properties = {k: {"type": "Property", "value": v} for k, v in properties.items()}
    return {"id": ident, "type": "TrafficFlowObserved", **properties}


def quarters(counter, hour: str, counts, **kwargs):
    """Four observations of a quarter of an hour each, from `hour` (ISO, UTC)."""
    first = dt.datetime.fromisoformat(hour)
    return [
        observation(
            f"{counter}_{(first + dt.timedelta(minutes=15 * i)).isoformat()}",
            (first + dt.timedelta(minutes=15 * i)).isoformat(),
            (first + dt.timedelta(minutes=15 * (i + 1))).isoformat(),
            count,
            **kwargs,
        )
        for i, count in enumerate(counts)
    ]


def import_json(tmp_path, text: str, **options) -> str:
    path = tmp_path / "observations.json"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_counts",
        str(path),
        "--source",
        "montpellier",
        "--format",
        "fiware",
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


def hourly() -> dict:
    return {
        (r.counter.external_id, r.start): r.count
        for r in Reading.objects.filter(length=Length.HOUR).select_related("counter")
    }


def test_quarters_of_an_hour_are_summed_repeats_dropped_and_counters_created(tmp_path):
    # JSON Lines, blank lines, an extract repeated (the same observations twice), one counter
    # in key-values and the other normalized, one counter's second lane summed in.
    a = quarters("urn:ngsi-ld:EcoCounter:A", "2023-05-02T06:00:00+00:00", [3, 5, 7, 9])
    b = quarters(
        "urn:ngsi-ld:EcoCounter:B", "2023-05-02T06:00:00+00:00", [1, 1, 1, 1], normalized=True
    )
    b2 = quarters("urn:ngsi-ld:EcoCounter:B", "2023-05-02T06:00:00+00:00", [2, 0, 0, 0], lane=2)
    lines = [json.dumps(o) for o in [*a, *b, *b2]]
    text = "\n".join(lines[:6]) + "\n\n" + "\n".join(lines[6:]) + "\n" + "\n".join(lines[:4])

    out = import_json(tmp_path, text)

    six = dt.datetime(2023, 5, 2, 6, tzinfo=UTC)
    assert hourly() == {("urn:ngsi-ld:EcoCounter:A", six): 24, ("urn:ngsi-ld:EcoCounter:B", six): 6}
    counter = Counter.objects.get(external_id="urn:ngsi-ld:EcoCounter:A")
    assert (counter.source, counter.name) == ("montpellier", "Avenue de Toulouse")
    assert (round(counter.location.x, 4), round(counter.location.y, 4)) == (3.8767, 43.6085)
    summary = _(
        "%(observations)s observations read: %(duplicates)s repeated ones dropped, "
        "%(summed)s shorter than an hour summed into their hour."
    )
    assert summary % {"observations": 16, "duplicates": 4, "summed": 12} in out
    assert ImportRun.objects.get().kind == ImportRun.Kind.FIWARE


@pytest.mark.parametrize("layout", ["concatenated", "array"])
def test_objects_one_after_another_or_in_an_array_read_the_same(tmp_path, layout):
    obs = quarters("urn:A", "2023-05-02T06:00:00+00:00", [3, 5, 7, 9])
    text = "".join(json.dumps(o) for o in obs) if layout == "concatenated" else json.dumps(obs)

    import_json(tmp_path, text)

    assert hourly() == {("urn:A", dt.datetime(2023, 5, 2, 6, tzinfo=UTC)): 24}


def test_daily_observations_of_local_days_are_days(tmp_path):
    # The Montpellier way: local midnight to midnight, no offset, the counter's id then dates.
    text = "\n".join(
        json.dumps(
            observation(
                f"urn:ngsi-ld:EcoCounter:X2H20042632_2023-03-{d:02}T00:00:00_2023-03-{d + 1:02}",
                f"2023-03-{d:02}T00:00:00",
                f"2023-03-{d + 1:02}T00:00:00",
                100 + d,
            )
        )
        for d in (25, 26, 27)  # across the change to summer time
    )

    import_json(tmp_path, text)

    days = dict(
        DailyTotal.objects.filter(
            counter__external_id="urn:ngsi-ld:EcoCounter:X2H20042632"
        ).values_list("date", "count")
    )
    assert days == {dt.date(2023, 3, d): 100 + d for d in (25, 26, 27)}
    assert set(Reading.objects.values_list("length", flat=True)) == {Length.DAY}


def test_an_observation_the_import_cannot_use_is_rejected_with_its_line_in_the_json(tmp_path):
    good = quarters("urn:A", "2023-05-02T06:00:00+00:00", [3, 5, 7, 9])
    bad = observation("urn:A_x", "2023-05-02T07:00:00+00:00", "2023-05-02T08:00:00+00:00", -2)
    text = "\n".join(json.dumps(o) for o in [*good, bad])
    rejects = tmp_path / "rejets.csv"

    import_json(tmp_path, text, rejects=str(rejects))

    run = ImportRun.objects.get()
    assert (run.inserted, run.rejected) == (1, 1)
    # The converted file's columns, its line number, the reason.
    header, *written = list(csv.reader(rejects.open(encoding="utf-8")))
    rows = [dict(zip(header, row, strict=True)) for row in written]
    assert [(r["lines"], r["count"]) for r in rows] == [("5", "-2")]
    assert written[0][-1] == str(m.REJECT_NEGATIVE_COUNT % {"value": "-2"})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '{"id": "a", "intensity": 3}\n{"id": "b", "intensity": \n',
            fiware.ERROR_NOT_JSON % {"line": 2, "error": "Expecting value"},
        ),
        ('{"id": "a"}\n[1, 2]\n', fiware.ERROR_NOT_OBJECT % {"line": 2}),
        ("\n\n", fiware.ERROR_NO_OBSERVATION),
    ],
    ids=["broken", "not-objects", "empty"],
)
def test_a_file_that_is_not_observations_is_refused_saying_where(tmp_path, text, says):
    with pytest.raises(CommandError) as error:
        import_json(tmp_path, text)
    assert str(error.value) == str(says)
    assert not ImportRun.objects.exists()
    assert not Reading.objects.exists()


def test_a_file_mixing_hours_and_days_is_refused(tmp_path):
    text = "\n".join(
        [
            json.dumps(observation("urn:A", "2023-05-02T06:00:00Z", "2023-05-02T07:00:00Z", 3)),
            json.dumps(observation("urn:A", "2023-05-03T00:00:00", "2023-05-04T00:00:00", 30)),
        ]
    )
    with pytest.raises(CommandError) as error:
        import_json(tmp_path, text)
    assert str(error.value) == fiware.ERROR_MIXED_PERIODS % {
        "first": Length.HOUR.label,
        "first_line": 1,
        "other": Length.DAY.label,
        "other_line": 2,
    }
    assert not Reading.objects.exists()


def test_staff_upload_a_fiware_file_on_the_import_page(client):
    client.force_login(user_with("add_importrun"))
    obs = quarters("urn:A", "2023-05-02T06:00:00+00:00", [3, 5, 7, 9])
    content = "\n".join(json.dumps(o) for o in obs).encode()
    fields = {"kind": "fiware", "source": "montpellier", "time_zone": "Europe/Paris"}

    refused = client.post(
        reverse("usage:import"),
        {**fields, "file": SimpleUploadedFile("obs.json", b'{"id": "a", "intensity": \n')},
    )
    response = client.post(
        reverse("usage:import"), {**fields, "file": SimpleUploadedFile("obs.json", content)}
    )

    assert refused.status_code == 200
    said = fiware.ERROR_NOT_JSON % {"line": 1, "error": "Expecting value"}
    assert html.escape(str(said)) in refused.content.decode()
    assert response.status_code == 302
    assert run_queued_jobs() == 1
    assert hourly() == {("urn:A", dt.datetime(2023, 5, 2, 6, tzinfo=UTC)): 24}
