"""`manage.py load_demo`: the Voies Lyonnaises network with its history, loaded once."""

import io

import pytest
from django.core.management import call_command

from amenagements.management.commands.load_demo import LYON_ATTRIBUTION, LYON_SOURCE
from amenagements.models import Adaptation, Amenagement, AmenagementVersion


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_loads_both_snapshots_then_skips_when_run_again():
    first = load_demo()

    arrangements = Amenagement.objects.filter(external_source=LYON_SOURCE)
    # 376 stretches in 2024 (484 features: several lines share some), 120 new ones in 2026; 40
    # of 2024 are gone from the 2026 network (others were renamed in place and keep their
    # history). 119 stretches are shared by several lines.
    assert arrangements.count() == 496
    assert arrangements.filter(status=Amenagement.Status.REMOVED).count() == 40
    assert arrangements.exclude(shared_external_ids=[]).count() == 119
    assert arrangements.filter(adaptations__origin=Adaptation.Origin.IMPORT).distinct().count() == (
        496
    )
    assert "2024-10-01" in first
    assert "2026-08-01" in first
    assert LYON_ATTRIBUTION in first
    history = (Adaptation.objects.count(), AmenagementVersion.objects.count())

    second = load_demo()

    assert "496" in second
    assert "2026-08-01" not in second
    assert (Adaptation.objects.count(), AmenagementVersion.objects.count()) == history
