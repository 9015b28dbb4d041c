"""GeoJSON import of the real Voies Lyonnaises snapshots (fixtures/lyon), one after the other."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from amenagements.importing import amenagements_import_snapshot, snapshot_parse
from amenagements.management.commands.load_demo import (
    LYON_ATTRIBUTION,
    LYON_DIR,
    LYON_MAPPING,
    LYON_SOURCE,
)
from amenagements.models import Amenagement
from tests.amenagements.test_importing import AS_OF, LATER, history


def _lyon_import(filename: str, as_of: dt.date):
    parsed = snapshot_parse(data=(LYON_DIR / filename).read_bytes(), mapping=LYON_MAPPING)
    result = amenagements_import_snapshot(
        records=parsed.records, source=LYON_SOURCE, as_of=as_of, attribution=LYON_ATTRIBUTION
    )
    return parsed, result


@pytest.fixture(scope="class")
def lyon(django_db_setup, django_db_blocker):
    """Both snapshots imported once for the class (they take a while), rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        parsed_2024, result_2024 = _lyon_import("voies_lyonnaises_2024-10.geojson", AS_OF)
        tested_ids = [r.external_id for r in parsed_2024.records if r.source_status == "tested"]
        # By primary key: a segment renamed in 2026 keeps its row, not its identifier.
        tested = list(
            Amenagement.objects.filter(
                external_source=LYON_SOURCE, external_id__in=tested_ids
            ).values_list("pk", flat=True)
        )
        statuses_2024 = Counter(
            Amenagement.objects.filter(external_source=LYON_SOURCE).values_list("status", flat=True)
        )
        parsed_2026, result_2026 = _lyon_import("voies_lyonnaises_2026-08.geojson", LATER)
        yield {
            "parsed_2024": parsed_2024,
            "result_2024": result_2024,
            "statuses_2024": statuses_2024,
            "tested": tested,
            "parsed_2026": parsed_2026,
            "result_2026": result_2026,
            "parsed_2026_records": parsed_2026.records,
        }
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestLyonSnapshots:
    def test_first_snapshot_creates_every_segment(self, lyon):
        assert (lyon["parsed_2024"].rejected, lyon["parsed_2024"].repaired) == ([], [])
        assert lyon["result_2024"].created == 484
        assert lyon["statuses_2024"] == {"planned": 345, "permanent": 127, "testing": 12}

    def test_second_snapshot_records_what_changed(self, lyon):
        result = lyon["result_2026"]

        assert (result.created, result.updated, result.unchanged, result.removed) == (
            163,
            430,
            0,
            54,
        )
        assert result.changes == {
            "made_permanent": 159,
            "status_changed": 11,
            "kind": 91,
            "moved": 34,
            "shortened": 30,
            "extended": 22,
            "details": 430,
            # Ten segments renamed in place (e.g. line 6's "Scénario 2" trials, kept).
            "identifier": 10,
            "name": 10,
        }

    def test_the_twelve_trial_segments_were_made_permanent_or_went_back_to_planning(self, lyon):
        tested = Amenagement.objects.filter(pk__in=lyon["tested"])

        assert len(lyon["tested"]) == 12
        assert Counter(tested.values_list("status", flat=True)) == {
            "permanent": 7,
            "planned": 5,
        }
        rockefeller = tested.get(external_id="12 | Avenue Rockefeller Est")
        made_permanent = rockefeller.adaptations.get(kind="made_permanent")
        # The snapshot gives its completion date, later than the first snapshot.
        assert made_permanent.date == dt.date(2025, 12, 19)
        saint_just = tested.get(external_id="11 | Saint-Just")
        assert list(saint_just.adaptations.values_list("kind", flat=True)) == [
            "created",
            "shortened",
            "other",
            "status_changed",
        ]
        assert saint_just.kind == "other"
        # Line 6's trial scenario is the plan of the 2026 network: same place, new name.
        scenario = tested.get(source_properties__nom="Grande Rue Nord - sens Sud>Nord")
        assert scenario.name == "Voie Lyonnaise 6 — Grande Rue Nord - sens Sud>Nord"
        assert scenario.status == "planned"

    def test_reimporting_the_second_snapshot_changes_nothing(self, lyon):
        before = history()

        result = amenagements_import_snapshot(
            records=lyon["parsed_2026_records"],
            source=LYON_SOURCE,
            as_of=LATER,
            attribution=LYON_ATTRIBUTION,
        )

        assert (result.created, result.updated, result.unchanged, result.removed) == (
            0,
            0,
            593,
            0,
        )
        assert history() == before

    def test_reimporting_the_first_snapshot_after_the_second_is_refused(self, lyon):
        with pytest.raises(ValidationError):
            amenagements_import_snapshot(
                records=lyon["parsed_2024"].records, source=LYON_SOURCE, as_of=AS_OF
            )

    def test_placeholder_date_is_not_an_opening_date(self, lyon):
        arrangements = Amenagement.objects.filter(external_source=LYON_SOURCE)

        assert not arrangements.filter(opened_on=dt.date(2019, 12, 31)).exists()
        placeholder = arrangements.filter(source_properties__date_realisation="2019-12-31").first()
        assert placeholder.opened_on is None
        assert placeholder.adaptations.first().date in {AS_OF, LATER}

    def test_every_segment_keeps_the_licence_attribution(self, lyon):
        arrangements = Amenagement.objects.filter(external_source=LYON_SOURCE)

        assert set(arrangements.values_list("attribution", flat=True)) == {
            "MIT, © 2024 La Ville à Vélo, cyclopolis project"
        }
        assert arrangements.filter(name="Voie Lyonnaise 12 — Saint-Jean").exists()
