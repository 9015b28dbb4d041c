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
        # 484 features, of which 108 repeat another line's feature on a stretch they share: one
        # arrangement per stretch (`importing.stretches`).
        assert len(lyon["parsed_2024"].records) == 484
        assert (lyon["result_2024"].created, lyon["result_2024"].merged) == (376, 108)
        assert lyon["statuses_2024"] == {"planned": 266, "permanent": 104, "testing": 6}

    def test_second_snapshot_records_what_changed(self, lyon):
        result = lyon["result_2026"]

        # 593 features, 137 of them on a stretch another line's feature already stands for.
        assert result.merged == 137
        assert (result.created, result.updated, result.unchanged, result.removed) == (
            120,
            336,
            0,
            40,
        )
        assert result.changes == {
            "made_permanent": 123,
            "status_changed": 6,
            "kind": 59,
            "moved": 31,
            "shortened": 25,
            "extended": 14,
            "details": 336,
            # Segments renamed in place (e.g. line 6's "Scénario 2" trials, kept).
            "identifier": 8,
            "name": 10,
        }

    def test_the_six_trial_stretches_were_made_permanent_or_went_back_to_planning(self, lyon):
        tested = Amenagement.objects.filter(pk__in=lyon["tested"])

        # Twelve trial features: three of them stretches lines 8, 11 and 12 share.
        assert len(lyon["tested"]) == 6
        assert Counter(tested.values_list("status", flat=True)) == {
            "permanent": 3,
            "planned": 3,
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
            456,
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
        assert arrangements.filter(name="Voie Lyonnaise 8, 11 et 12 — Saint-Jean").exists()
