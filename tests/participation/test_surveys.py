"""Opinions from existing surveys and paper, imported by staff (`participation.surveys`): the
scale conversion, attaching each answer to an arrangement by street or coordinates, rejects with
their line, idempotent re-import, dry run, and results that keep survey answers apart unless the
panel counts them."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import LineString, Polygon
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from amenagements import services as amenagement_services
from amenagements.bulk.services import REJECT_OUT_OF_SCOPE
from amenagements.models import Adaptation, Amenagement, Commune
from evaluation.inputs import evaluation_inputs
from opendata.api_selectors import opinion_aggregates
from participation.contributions import selectors as contribution_selectors
from participation.models import (
    CitizenPanel,
    CommentStatus,
    CommuneModeration,
    Contribution,
    DeliberationLogEntry,
    Rating,
    SurveySource,
)
from participation.panels import log
from participation.surveys import reading, services
from participation.surveys.reading import Scale, scale_convert
from tests.amenagements.fixtures import make
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import submit

pytestmark = pytest.mark.django_db

SOURCE = "Baromètre vélo 2021"
SCALE = Scale(0, 6)
MAPPING = {"securite": "note_securite", "confort": "note_confort"}

# A Baromètre-like export: French headers, semicolons, decimal commas in the coordinates, one
# bad line of each kind. Line numbers count the header as line 1.
BAROMETRE = (
    "Commune;Rue;Longitude;Latitude;Note sécurité;Note confort;Commentaire;Date\n"
    "LYON;RUE TEST;;;6;4;Enfin une piste séparée;14/09/2021\n"  # 2: by street
    ";;4,8330;45,7601;0;;;2021-09-15\n"  # 3: by coordinates, 11 m from the line
    "Lyon;Rue Test;;;7;;;\n"  # 4: off the 0–6 scale
    "Lyon;Rue Test;;;bof;;;\n"  # 5: not a number
    "Lyon;Rue Inconnue;;;3;;;\n"  # 6: no such street
    ";;4,9500;45,6500;3;;;\n"  # 7: nothing within 50 m
    "Lyon;Rue Test;;;3;;;31/02/2021\n"  # 8: no such date
    "Lyon;Rue Test;;;NSP;;;\n"  # 9: no answer at all
    "Lyon;quai perrache;;;2;;;\n"  # 10: two quays
    "Lyon;Terrasse du Marché;;;5;;;\n"  # 11: safety is not asked about terraces
)


@pytest.fixture
def quays(db):
    return [
        make("Quai Perrache Nord", offset=0.01),
        make("Quai Perrache Sud", offset=0.02),
        make(
            "Terrasse du Marché",
            kind=Amenagement.Kind.TERRACE,
            geom=Polygon.from_bbox((4.90, 45.70, 4.901, 45.701)),
        ),
    ]


def read(text, *, encoding="utf-8", mapping=None, scale=SCALE):
    return reading.survey_read(text.encode(encoding), scale=scale, mapping=mapping or MAPPING)


def run(text, *, mapping=None, scale=SCALE, **kwargs):
    mapping = mapping or MAPPING
    return services.survey_opinions_import(
        read=read(text, mapping=mapping, scale=scale),
        source_name=SOURCE,
        scale=scale,
        mapping=mapping,
        **kwargs,
    )


def survey_answers():
    return Contribution.objects.filter(source__name=SOURCE)


def staff_with(*codenames):
    user = User.objects.create_user("agent", password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


# --- the scale ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "scores", "steps"),
    [
        (Scale(0, 6), [0, 1, 2, 3, 4, 5, 6], [1, 2, 2, 3, 4, 4, 5]),
        (Scale(1, 5), [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        (Scale(0, 10), [0, Decimal("1.25"), 5, 10], [1, 2, 3, 5]),  # 1.5 rounds up
        (Scale(1, 4), [1, 2, 3, 4], [1, 2, 4, 5]),  # 2.33 → 2, 3.67 → 4
    ],
    ids=["0-6", "1-5", "0-10", "1-4"],
)
def test_a_score_becomes_a_step_from_1_to_5_rounded_half_up(scale, scores, steps):
    assert [scale_convert(score, scale=scale) for score in scores] == steps


@pytest.mark.parametrize("score", [-1, 7, Decimal("6.01")])
def test_a_score_off_the_scale_is_refused(score):
    with pytest.raises(ValueError, match=str(score)):
        scale_convert(score, scale=SCALE)


def test_the_scale_and_the_mapping_are_read_from_text():
    assert reading.parse_scale("0-6") == reading.parse_scale(" 0 – 6 ") == Scale(0, 6)
    assert reading.parse_mapping("securite=note_securite, Confort : note confort") == {
        "securite": "note_securite",
        "confort": "note confort",
    }
    for bad in ("6-0", "zéro à six"):
        with pytest.raises(reading.SurveySettingsError):
            reading.parse_scale(bad)
    for bad in ("", "securite", "securite=a, securite=b"):
        with pytest.raises(reading.SurveySettingsError):
            reading.parse_mapping(bad)


# --- attaching and rejecting --------------------------------------------------------------------


def test_a_survey_file_is_attached_by_street_and_by_coordinates_and_its_bad_lines_rejected(
    amenagement, questions, quays
):
    safety, comfort = questions

    result = run(BAROMETRE)

    assert (result.read, result.recorded, result.ratings, result.already) == (10, 2, 3, 0)
    assert result.arrangements == 1
    assert [reject.line for reject in result.rejects] == [4, 5, 6, 7, 8, 9, 10, 11]
    reasons = {reject.line: reject.reason for reject in result.rejects}
    assert "7" in reasons[4]
    assert "bof" in reasons[5]
    assert reasons[6] == str(
        services.REJECT_NO_NAME_IN % {"street": "Rue Inconnue", "commune": "Lyon"}
    )
    assert reasons[7] == str(services.REJECT_NOWHERE % {"distance": 50})
    assert reasons[8] == str(reading.REJECT_BAD_DATE % {"value": "31/02/2021"})
    assert reasons[9] == str(reading.REJECT_NOTHING)
    assert "Quai Perrache Nord" in reasons[10]
    assert "Quai Perrache Sud" in reasons[10]
    assert reasons[11] == str(
        services.REJECT_NOT_ASKED % {"code": "securite", "name": "Terrasse du Marché"}
    )

    by_street, by_point = survey_answers().order_by("created_at")
    assert by_street.user is None
    assert by_street.version.amenagement == amenagement
    assert by_street.comment == "Enfin une piste séparée"
    assert by_street.point is None
    assert timezone.localtime(by_street.created_at).date() == dt.date(2021, 9, 14)
    assert {r.definition_id: r.value for r in by_street.ratings.all()} == {
        safety.pk: 5,  # 6 on 0–6
        comfort.pk: 4,  # 4 on 0–6 → 3.67
    }
    # The point 11 m north is snapped onto the line, a quarter of the way along.
    assert by_point.point.y == pytest.approx(45.7600, abs=1e-6)
    assert by_point.position_m == pytest.approx(78, abs=2)
    assert [r.value for r in by_point.ratings.all()] == [1]
    source = SurveySource.objects.get(name=SOURCE)
    assert (source.scale_min, source.scale_max) == (0, 6)


def test_a_point_equally_near_two_arrangements_is_ambiguous_unless_its_street_names_one(
    amenagement, safety
):
    twin = amenagement_services.amenagement_create(
        name="Voie de bus de la rue Test",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=amenagement.geom,
        date=dt.date(2020, 5, 11),
        commune=amenagement.commune,
    )
    text = (
        "lon,lat,rue,note_securite\n"
        "4.8330,45.7600,,3\n"
        "4.8330,45.7600,Voie de bus de la rue Test,4\n"
    )

    result = run(text, mapping={"securite": "note_securite"})

    assert [reject.line for reject in result.rejects] == [2]
    assert "Voie de bus de la rue Test" in result.rejects[0].reason
    (answer,) = survey_answers()
    assert answer.version.amenagement == twin


def test_an_answer_goes_on_the_layout_in_force_on_its_date(amenagement, safety):
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.EXTENDED,
        geom=LineString((4.8320, 45.7600), (4.8400, 45.7600), srid=4326),
    )
    text = (
        "rue;date;note_securite\n"
        "Piste de la rue Test;2020-09-14;2\n"
        "Piste de la rue Test;2021-06-01;4\n"
        "Piste de la rue Test;;6\n"
        "Piste de la rue Test;2019-01-01;6\n"
        "Piste de la rue Test;2999-01-01;6\n"
    )

    result = run(text, mapping={"securite": "note_securite"})

    assert [reject.line for reject in result.rejects] == [5, 6]
    assert result.rejects[0].reason == str(
        services.REJECT_NO_VERSION % {"name": amenagement.name, "date": "2019-01-01"}
    )
    assert sorted(survey_answers().values_list("ratings__value", "version__number")) == [
        (2, 1),  # 2 on 0–6, before the adaptation
        (4, 2),  # 4 on 0–6, after it
        (5, 2),  # 6 on 0–6, without a date: the current layout
    ]


def test_only_adopted_perception_indicators_may_be_mapped(amenagement, safety):
    with pytest.raises(ValidationError) as raised:
        run("rue;note\nPiste de la rue Test;3\n", mapping={"frequentation": "note"})
    assert "mapping" in raised.value.message_dict
    assert not SurveySource.objects.exists()


def test_a_survey_keeps_its_scale(amenagement, safety):
    text = "rue;note_securite\nPiste de la rue Test;3\n"
    run(text, mapping={"securite": "note_securite"})
    with pytest.raises(ValidationError) as raised:
        run(text, mapping={"securite": "note_securite"}, scale=Scale(1, 5))
    assert "scale" in raised.value.message_dict


def test_an_agent_of_another_commune_gets_the_lines_of_this_one_rejected(amenagement, safety):
    text = "rue;note_securite\nPiste de la rue Test;3\n"
    villeurbanne = Commune.objects.create(name="Villeurbanne")

    result = run(text, mapping={"securite": "note_securite"}, communes=frozenset({villeurbanne.pk}))

    assert [(r.line, r.reason) for r in result.rejects] == [
        (2, str(REJECT_OUT_OF_SCOPE % {"name": amenagement.name}))
    ]
    assert not survey_answers().exists()


def test_a_comment_waits_for_a_moderator_in_a_premoderated_commune(amenagement, safety):
    CommuneModeration.objects.create(commune=amenagement.commune, premoderation=True)

    text = "rue;note_securite;commentaire\nPiste de la rue Test;;Trop étroite\n"

    result = run(text, mapping={"securite": "note_securite"})

    assert (result.recorded, result.held) == (1, 1)
    assert survey_answers().get().comment_status == CommentStatus.PENDING


# --- idempotence and dry run -------------------------------------------------------------------


def test_importing_the_same_file_again_records_nothing_twice(amenagement, questions, quays):
    run(BAROMETRE)
    counts = (Contribution.objects.count(), Rating.objects.count())

    again = run(BAROMETRE)

    assert (again.recorded, again.already) == (0, 2)
    assert (Contribution.objects.count(), Rating.objects.count()) == counts
    assert SurveySource.objects.count() == 1


def test_respondent_ids_identify_answers_and_identical_lines_without_them_both_count(
    amenagement, safety
):
    with_ids = "id;rue;note_securite\nR1;Piste de la rue Test;3\nR1;Piste de la rue Test;4\n"
    result = run(with_ids, mapping={"securite": "note_securite"})
    assert [(r.line, r.reason) for r in result.rejects] == [
        (3, str(services.REJECT_TWICE % {"line": 2}))
    ]
    assert survey_answers().get().external_id == "R1"

    twins = "rue;note_securite\nPiste de la rue Test;6\nPiste de la rue Test;6\n"
    assert run(twins, mapping={"securite": "note_securite"}).recorded == 2
    assert run(twins, mapping={"securite": "note_securite"}).already == 2
    assert survey_answers().count() == 3


def test_a_dry_run_reports_the_same_and_records_nothing(amenagement, questions, quays):
    result = run(BAROMETRE, dry_run=True)

    assert (result.recorded, len(result.rejects), result.dry_run) == (2, 8, True)
    assert not Contribution.objects.exists()
    assert not SurveySource.objects.exists()


# --- reading the file ---------------------------------------------------------------------------


def test_a_windows_1252_file_and_an_english_comma_separated_one_are_read(amenagement, safety):
    french = read(BAROMETRE, encoding="cp1252")
    assert french.lines[0].comment == "Enfin une piste séparée"
    english = reading.survey_read(
        "\ufeffCity,Street,Safety score,Comment,Extra\nLyon,Rue Test,5,Nice,x\n".encode(),
        scale=SCALE,
        mapping={"securite": "safety score"},
    )
    (line,) = english.lines
    assert (line.commune, line.street, line.scores, line.comment) == (
        "Lyon",
        "Rue Test",
        {"securite": 4},
        "Nice",
    )
    assert english.ignored_columns == ["Extra"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (BAROMETRE.encode("utf-16"), reading.ERROR_ENCODING),
        (b"rue;note\n\x81\x8d;3\n", reading.ERROR_ENCODING),
        (b" \n\n", reading.ERROR_EMPTY),
        (b"rue;note_confort\nRue Test;3\n", reading.ERROR_MISSING_COLUMN),
        (b"commune;note_securite;note_confort\nLyon;3;3\n", reading.ERROR_NO_PLACE_COLUMNS),
        (b"lon;note_securite;note_confort\n4.8;3;3\n", reading.ERROR_HALF_COORDINATES),
    ],
    ids=["utf-16", "undecodable", "empty", "unknown-column", "no-place", "half-coordinates"],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(data, error):
    with pytest.raises(reading.SurveyFileError) as raised:
        reading.survey_read(data, scale=SCALE, mapping=MAPPING)
    assert str(raised.value).startswith(str(error).split("%")[0])


# --- results kept apart -------------------------------------------------------------------------


@pytest.fixture
def rated(amenagement, safety, alice, bruno):
    """Two residents' ratings of safety (2 and 4), three answers of the survey (5, 5 and 1)."""
    submit(alice, amenagement, ratings={safety.pk: 2})
    submit(bruno, amenagement, ratings={safety.pk: 4})
    run(
        "rue;note_securite;commentaire\n"
        "Piste de la rue Test;6;Très sûre\n"
        "Piste de la rue Test;6;\n"
        "Piste de la rue Test;0;\n",
        mapping={"securite": "note_securite"},
    )
    return safety


def test_results_keep_survey_answers_apart_unless_the_panel_counts_them(
    amenagement, rated, django_assert_num_queries
):
    versions = list(amenagement.versions.all())

    def safety_result():
        with django_assert_num_queries(1):
            results = contribution_selectors.opinion_results(
                amenagement=amenagement, definitions=[rated], versions=versions
            )
        return results[0].result_for("securite")

    apart = safety_result()
    assert (apart.n, apart.mean) == (2, 3.0)
    assert apart.surveys == (contribution_selectors.SurveyCount(SOURCE, 3, counted=False),)

    CitizenPanel.objects.filter(pk=rated.panel_id).update(include_survey_opinions=True)
    counted = safety_result()
    assert (counted.n, counted.mean) == (5, pytest.approx(3.4))
    assert [s.count for s in counted.steps] == [1, 1, 0, 1, 2]
    assert counted.surveys == (contribution_selectors.SurveyCount(SOURCE, 3, counted=True),)


def test_the_arrangement_page_says_how_many_survey_answers_and_names_their_survey(
    client, amenagement, rated
):
    html = client.get(amenagement.get_absolute_url()).content.decode()

    assert 'data-survey-n="3" data-survey-counted="false"' in html
    assert html.count("data-survey>") == 1  # the one survey comment, with its badge
    assert escape(SOURCE) in html
    assert "Très sûre" in html


def test_evaluation_inputs_take_survey_answers_only_when_the_panel_counts_them(amenagement, rated):
    def values():
        inputs = evaluation_inputs(amenagement=amenagement, as_of=dt.date(2100, 1, 1))
        return sorted(r.value for r in inputs.engine.ratings)

    assert values() == [2, 4]
    CitizenPanel.objects.filter(pk=rated.panel_id).update(include_survey_opinions=True)
    assert values() == [1, 2, 4, 5, 5]


def test_open_data_publishes_each_survey_apart_and_the_api_residents_only(
    client, amenagement, rated
):
    body = b"".join(
        client.get(reverse("opendata:csv", args=["avis-par-indicateur"])).streaming_content
    ).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["enquete"], r["comptee"], r["notes"]) for r in rows] == [
        ("", "t", "2"),
        (SOURCE, "f", "3"),
    ]
    (aggregate,) = opinion_aggregates(amenagement=amenagement)
    assert (aggregate["ratings"], aggregate["distribution"]) == (2, [0, 1, 0, 1, 0])


# --- the pages and the command ------------------------------------------------------------------


def post(client, content, **fields):
    data = {
        "file": SimpleUploadedFile("barometre.csv", content),
        "source": SOURCE,
        "scale": "0-6",
        "mapping": "securite=note_securite, confort=note_confort",
        **fields,
    }
    return client.post(reverse("surveys:import"), data)


def test_staff_try_then_import_a_survey_on_the_page(client, amenagement, questions, quays):
    client.force_login(staff_with("add_surveysource"))
    assert client.get(reverse("surveys:import")).status_code == 200

    tried = post(client, BAROMETRE.encode(), dry_run="on")
    assert tried.status_code == 200
    assert not Contribution.objects.exists()
    done = post(client, BAROMETRE.encode())

    assert done.status_code == 200
    assert survey_answers().count() == 2
    html = done.content.decode()
    assert 'data-reject-line="6"' in html
    assert escape(str(reading.REJECT_NOTHING)) in html
    assert SurveySource.objects.get().imported_by.username == "agent"


def test_a_file_in_another_encoding_gets_a_clear_message_on_the_page(client, amenagement, safety):
    client.force_login(staff_with("add_surveysource"))

    response = post(client, BAROMETRE.encode("utf-16"))

    assert response.status_code == 200
    assert escape(str(reading.ERROR_ENCODING)) in response.content.decode()
    assert not SurveySource.objects.exists()


def test_a_code_no_panel_adopted_refuses_the_file_on_the_page(client, amenagement, safety):
    client.force_login(staff_with("add_surveysource"))

    response = post(client, BAROMETRE.encode(), mapping="inconnu=note_securite")

    assert response.status_code == 200
    assert response.context["form"].errors["mapping"]
    assert not SurveySource.objects.exists()


@pytest.mark.parametrize("codenames", [(), ("add_adaptation",)])
def test_only_staff_who_may_add_surveys_import_them(client, amenagement, safety, codenames):
    client.force_login(staff_with(*codenames))
    assert client.get(reverse("surveys:import")).status_code == 403
    assert post(client, BAROMETRE.encode()).status_code == 403
    assert not Contribution.objects.exists()


def test_a_resident_is_refused_the_import_page(client, alice):
    client.force_login(alice)
    assert client.get(reverse("surveys:import")).status_code == 403


def test_the_services_dashboard_links_to_the_import(client):
    user = staff_with("add_surveysource")
    client.force_login(user)
    assert reverse("surveys:import") in client.get(reverse("pages:services")).content.decode()


def test_the_command_is_a_dry_run_unless_committed(tmp_path, amenagement, questions, quays):
    path = tmp_path / "barometre.csv"
    path.write_text(BAROMETRE, encoding="cp1252")
    arguments = [str(path), "--source", SOURCE, "--scale", "0-6"]
    columns = ["--column", "securite=note_securite", "--column", "confort=note_confort"]
    out = io.StringIO()

    call_command("import_survey_opinions", *arguments, *columns, stdout=out)
    assert not Contribution.objects.exists()
    assert str(reading.REJECT_NOTHING) in out.getvalue()
    call_command("import_survey_opinions", *arguments, *columns, "--commit", stdout=io.StringIO())

    assert survey_answers().count() == 2


# --- the panel's choice -------------------------------------------------------------------------


def test_a_facilitator_decides_that_the_panel_counts_survey_answers(
    client, safety, facilitator, member
):
    panel = safety.panel
    url = reverse("surveys:panel_counting", kwargs={"slug": panel.slug})
    client.force_login(member)
    assert client.post(url, {"include_survey_opinions": "on"}).status_code == 403

    client.force_login(facilitator)
    manage = client.get(reverse("participation:manage", kwargs={"slug": panel.slug}))
    assert f'action="{url}"' in manage.content.decode()
    response = client.post(url, {"include_survey_opinions": "on"})

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.include_survey_opinions
    assert DeliberationLogEntry.objects.filter(
        panel=panel, action=log.PANEL_SURVEYS_COUNTED
    ).exists()
    client.post(url, {})
    panel.refresh_from_db()
    assert not panel.include_survey_opinions
