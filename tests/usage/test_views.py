"""The counters layer, the arrangement page's usage section, the staff upload and manual count
pages, as visitors and staff use them."""

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tests.jobs import queued_jobs, run_queued_jobs
from usage import forms, queued
from usage.importing import messages as m
from usage.models import ImportRun, ManualCount, Reading

from .helpers import daily_csv, import_text, make_counter

pytestmark = pytest.mark.django_db


def user_with(*codenames, is_staff=True, username="agent"):
    user = User.objects.create_user(username, password="pw", is_staff=is_staff)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def importer(db):
    return user_with("add_importrun")


@pytest.fixture
def counter_staff(db):
    return user_with("add_manualcount", username="compteur")


def chart_data(html: str) -> dict:
    start = html.index('id="usage-chart-data"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


# --- the counters layer ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20])
def test_counters_geojson_takes_one_query_whatever_their_number(
    client, django_assert_num_queries, count
):
    for i in range(count):
        make_counter(f"C{i}", lon=4.80 + i * 0.001, lat=45.75)
    with django_assert_num_queries(1):
        response = client.get(reverse("usage:counters_geojson"))
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert len(data["features"]) == count
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [4.8, 45.75]}


def test_counters_geojson_filters_by_bbox_and_refuses_a_bad_one(client, db):
    make_counter("LYON", lon=4.83, lat=45.76)
    make_counter("PARIS", lon=2.35, lat=48.85)
    data = json.loads(client.get(reverse("usage:counters_geojson"), {"bbox": "4,45,5,46"}).content)
    assert [f["properties"]["name"] for f in data["features"]] == ["LYON"]
    assert client.get(reverse("usage:counters_geojson"), {"bbox": "4,45"}).status_code == 400


# --- the arrangement page ---------------------------------------------------------------------


def test_the_arrangement_page_charts_its_counter_with_the_outage_left_out(
    client, amenagement, counter
):
    import_text(daily_csv("C1", dt.date(2020, 5, 1), [1000] * 10 + [0] * 3 + [2000] * 10))

    html = client.get(amenagement.get_absolute_url()).content.decode()

    data = chart_data(html)
    assert data["granularity"] == "day"
    assert len(data["x"]) == 23
    values = data["series"][0]["values"]
    assert values[9:14] == [1000, None, None, None, 2000]
    assert data["outages"] == [
        [
            int(dt.datetime(2020, 5, 11, tzinfo=dt.UTC).timestamp()),
            int(dt.datetime(2020, 5, 14, tzinfo=dt.UTC).timestamp()),
        ]
    ]
    # The arrangement's creation (2020-05-11) is marked on the chart.
    assert [e["x"] for e in data["events"]] == [data["outages"][0][0]]
    assert "Compteur Test" in html
    # The mean leaves the three outage days out: (10 × 1000 + 10 × 2000) / 20.
    mean = number_format(1500, decimal_pos=0, force_grouping=True)
    assert (
        ngettext(
            "Mean: %(mean)s a day, over %(n)s complete day (outages left out)",
            "Mean: %(mean)s a day, over %(n)s complete days (outages left out)",
            20,
        )
        % {"mean": mean, "n": 20}
        in html
    )
    assert f"({_('outage')})" in html
    assert 'src="/static/vendor/uplot/uPlot.iife.min.js"' in html


def test_a_long_series_is_charted_by_month(client, amenagement, counter):
    import_text(
        "counter,month,count\n"
        + "".join(
            f"C1,{y}-{mo:02d},{mo * 100}\n" for y in (2019, 2020, 2021) for mo in range(1, 13)
        )
    )

    data = chart_data(client.get(amenagement.get_absolute_url()).content.decode())

    assert data["granularity"] == "month"
    assert len(data["x"]) == 36


def test_a_few_daily_weeks_after_years_of_months_keep_the_chart_by_month(
    client, amenagement, counter
):
    # Three years of monthly counts from the city's portal, then two weeks of daily counts
    # from another provider: the chart and the mean keep the years, every source is named.
    import_text(
        "counter,month,count\n"
        + "".join(
            f"C1,{y}-{mo:02d},{3000 + mo}\n" for y in (2019, 2020, 2021) for mo in range(1, 13)
        ),
        attribution="Métropole, Licence Ouverte",
    )
    import_text(daily_csv("C1", dt.date(2022, 3, 1), [100] * 14), attribution="Prestataire X")

    html = client.get(amenagement.get_absolute_url()).content.decode()

    data = chart_data(html)
    assert data["granularity"] == "month"
    assert len(data["x"]) == 37  # 36 months, and March 2022 (incomplete: not in the mean)
    assert data["series"][0]["values"][-1] == 1400
    # The mean is that of the 36 complete months, not of the 14 days.
    said = ngettext(
        "Mean: %(mean)s a month, over %(n)s complete month (outages left out)",
        "Mean: %(mean)s a month, over %(n)s complete months (outages left out)",
        36,
    )
    assert said % {"mean": floatformat(3006.5, "0g"), "n": 36} in html
    assert "Métropole, Licence Ouverte" in html
    assert "Prestataire X" in html


def test_an_arrangement_without_counter_says_so(client, amenagement):
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert _("No permanent counter within %(m)s m of this arrangement.") % {"m": "30"} in html
    assert "usage-chart-data" not in html


@pytest.mark.parametrize("days", [5, 300])
def test_the_arrangement_page_query_count_does_not_grow_with_the_data(
    client, amenagement, counter, django_assert_num_queries, days
):
    make_counter("C2", lon=4.834, lat=45.7601)
    import_text(daily_csv("C1", dt.date(2020, 5, 1), [100 + i for i in range(days)]))
    import_text(daily_csv("C2", dt.date(2020, 5, 1), [50] * days))
    # The arrangement, its versions, adaptations and planned adaptations (4); the usage section:
    # links, span, series, outages and manual counts (5); residents' opinions: questions,
    # ratings, comments (3); the evaluation section: the latest run (1; none here, so
    # nothing to prefetch) and the decided proposals (1).
    with django_assert_num_queries(14):
        response = client.get(amenagement.get_absolute_url())
    assert response.status_code == 200
    assert len(chart_data(response.content.decode())["series"]) == 2


# --- the upload page ----------------------------------------------------------------------------


def upload(client, content: bytes, name="comptages.csv", **data):
    fields = {
        "kind": "readings",
        "source": "test",
        "counter_column": "counter",
        "count_column": "count",
        "time_zone": "Europe/Paris",
    }
    fields.update(data)
    return client.post(
        reverse("usage:import"), {**fields, "file": SimpleUploadedFile(name, content)}
    )


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("usage:import"))
    assert response.status_code == 302
    assert "next=/comptages/import/" in response["Location"]


@pytest.mark.parametrize(
    ("is_staff", "codenames"),
    [(False, ()), (False, ("add_importrun",)), (True, ()), (True, ("add_manualcount",))],
)
def test_only_staff_with_the_import_permission_import(client, counter, is_staff, codenames):
    client.force_login(user_with(*codenames, is_staff=is_staff))
    assert client.get(reverse("usage:import")).status_code == 403
    response = upload(client, b"counter,date,count\nC1,2020-06-01,5\n")
    assert response.status_code == 403
    assert not Reading.objects.exists()


def test_staff_import_counters_then_counts_and_read_the_report(client, importer):
    client.force_login(importer)
    assert client.get(reverse("usage:import")).status_code == 200
    response = upload(
        client, b"id;nom;lon;lat\nC1;Quai;4.83;45.76\n", kind="counters", name_column="nom"
    )
    assert response.status_code == 302

    run_queued_jobs()
    response = upload(client, b"counter,date,count\nC1,2020-06-01,5\nC1,2020-06-02,7\n")

    # The page answers at once: the file is queued, nothing imported yet.
    run = ImportRun.objects.get(kind="readings")
    assert response["Location"] == reverse("usage:import_detail", args=[run.pk])
    assert run.status == ImportRun.Status.QUEUED
    assert not Reading.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "comptages.csv" in page
    assert _("The file has been received; its import will start in a moment.") in page
    assert 'hx-trigger="every 2s"' in page
    # htmx asks again while it waits, and reloads the page once the report is there.
    assert "HX-Refresh" not in client.get(response["Location"], headers={"HX-Request": "true"})

    assert run_queued_jobs() == 1
    run.refresh_from_db()
    assert (run.status, run.inserted, run.recorded_by, run.upload) == ("done", 2, importer, None)
    assert Reading.objects.count() == 2
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert "every 2s" not in page
    assert "<div><dt>{}</dt><dd>2</dd></div>".format(_("inserted")) in page


def test_a_running_import_shows_how_far_it_has_read(client, importer, counter):
    client.force_login(importer)
    response = upload(client, b"counter,date,count\nC1,2020-06-01,5\n")
    ImportRun.objects.filter(kind="readings").update(status="running", lines_read=12_345)
    page = client.get(response["Location"]).content.decode()
    assert _("Import in progress…") in page
    assert "12345" in page
    assert 'hx-trigger="every 2s"' in page


def test_an_import_interrupted_by_a_lost_connection_is_imported_by_the_next_attempt(
    client, importer, counter
):
    """The attempt cut short left the run "running"; the retried job imports it, once."""
    client.force_login(importer)
    upload(client, b"counter,date,count\nC1,2020-06-01,5\n")
    ImportRun.objects.filter(kind="readings").update(status="running")
    run_queued_jobs()
    run = ImportRun.objects.get(kind="readings")
    assert (run.status, run.inserted, Reading.objects.count()) == ("done", 1, 1)
    # A job delivered again finds the run done, and imports nothing more.
    assert queued.import_run_queued(run.pk) is None


def test_an_import_failing_in_its_job_says_why_and_writes_nothing(client, importer, counter):
    """UTF-8 at the start (the check on the form passes), not further on: the job fails."""
    client.force_login(importer)
    upload(client, daily_csv("C1", dt.date(2020, 5, 1), [3] * 10).encode())
    run_queued_jobs()
    before = Reading.objects.count()
    good = "".join(f"C1,2020-06-{day:02},5\n" for day in range(1, 29)) * 300
    content = b"counter,date,count\n" + good.encode() + b"C1,2020-07-01,\xe9\n"
    assert len(content) > 64 * 1024

    response = upload(client, content)
    run_queued_jobs()

    run = ImportRun.objects.filter(kind="readings").first()
    assert run.status == ImportRun.Status.FAILED
    assert run.upload is not None  # kept: the staff may look at what they sent
    page = client.get(response["Location"]).content.decode()
    assert _("The import failed: nothing was written.") in page
    assert "UTF-8" in page
    assert Reading.objects.count() == before


def test_the_upload_page_refuses_a_file_that_is_not_csv(client, importer, counter):
    client.force_login(importer)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

    for content, name in [(png, "photo.png"), (png, "photo.csv")]:
        response = upload(client, content, name=name)
        assert response.status_code == 200
        assert (forms.ERROR_NOT_CSV % {"name": name}) in response.content.decode().replace(
            "&#x27;", "'"
        ).replace("&quot;", '"')
    assert not ImportRun.objects.filter(kind=ImportRun.Kind.READINGS).exists()


def test_the_upload_page_reports_rejected_lines_and_keeps_the_good_ones(client, importer, counter):
    client.force_login(importer)
    content = b"counter,date,count\nC1,2020-06-01,5\nC1,2020-06-02,-1\nC1,2020-06-03,7\n"

    response = upload(client, content)
    run_queued_jobs()

    page = client.get(response["Location"]).content.decode()
    assert str(m.REJECT_NEGATIVE_COUNT % {"value": "-1"}) in page
    assert '<th scope="row">3</th>' in page
    assert Reading.objects.count() == 2
    run = ImportRun.objects.get(kind=ImportRun.Kind.READINGS)
    rejects = client.get(reverse("usage:import_rejects", args=[run.pk]))
    assert rejects["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(rejects.content.decode())))
    assert rows[1][:4] == ["C1", "2020-06-02", "-1", "3"]


def test_a_file_missing_a_column_is_reported_on_the_form(client, importer, counter):
    client.force_login(importer)
    response = upload(client, b"counter,when,count\nC1,2020-06-01,5\n")
    assert response.status_code == 200
    assert not ImportRun.objects.filter(kind=ImportRun.Kind.READINGS).exists()
    assert "when" in response.content.decode()
    assert not queued_jobs()


# --- manual counts ----------------------------------------------------------------------------


def manual_url(amenagement):
    return reverse("usage:manual_count", args=[amenagement.slug])


SESSION = {
    "date": "2021-05-04",
    "start_time": "08:00",
    "end_time": "09:00",
    "subject": "pedestrians",
    "count": "143",
    "place": "Devant l'école",
}


def test_staff_record_a_manual_count_shown_on_the_arrangement_page(
    client, amenagement, counter_staff
):
    client.force_login(counter_staff)
    assert client.get(manual_url(amenagement)).status_code == 200

    response = client.post(manual_url(amenagement), SESSION)

    assert response.status_code == 302
    count = ManualCount.objects.get()
    assert (count.count, count.subject, count.recorded_by) == (143, "pedestrians", counter_staff)
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert "08:00–09:00" in html
    assert str(ManualCount.Subject.PEDESTRIANS.label) in html


def test_a_session_ending_before_it_starts_is_refused_and_the_form_keeps_its_values(
    client, amenagement, counter_staff
):
    client.force_login(counter_staff)
    response = client.post(manual_url(amenagement), {**SESSION, "end_time": "07:30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert str(forms.ERROR_END_BEFORE_START) in html
    assert 'value="143"' in html
    assert not ManualCount.objects.exists()


def test_the_same_session_submitted_twice_is_recorded_once(client, amenagement, counter_staff):
    client.force_login(counter_staff)
    client.post(manual_url(amenagement), SESSION)
    response = client.post(manual_url(amenagement), SESSION)
    assert response.status_code == 200
    assert ManualCount.objects.count() == 1


@pytest.mark.parametrize(("is_staff", "codenames"), [(False, ("add_manualcount",)), (True, ())])
def test_only_staff_with_the_permission_record_manual_counts(
    client, amenagement, is_staff, codenames
):
    client.force_login(user_with(*codenames, is_staff=is_staff))
    assert client.post(manual_url(amenagement), SESSION).status_code == 403
    assert not ManualCount.objects.exists()


def test_the_manual_count_link_is_shown_to_staff_only(client, amenagement, counter_staff):
    assert (
        manual_url(amenagement) not in client.get(amenagement.get_absolute_url()).content.decode()
    )
    client.force_login(counter_staff)
    assert manual_url(amenagement) in client.get(amenagement.get_absolute_url()).content.decode()
