"""`manage.py load_demo_indicators`: the demonstration panel and its starter set."""

from io import StringIO

import pytest
from django.core.management import call_command

from amenagements.services import commune_get_or_create
from participation.indicators.selectors import adopted_for_amenagement
from participation.models import CitizenPanel, DeliberationLogEntry, IndicatorDefinition

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo_indicators", stdout=out)
    return out.getvalue()


def test_it_loads_a_labelled_demo_panel_with_the_six_starter_indicators_adopted():
    load()
    panel = CitizenPanel.objects.get()
    assert panel.is_demo
    assert "démonstration" in panel.name
    definitions = IndicatorDefinition.objects.filter(panel=panel)
    assert sorted(definitions.values_list("code", flat=True)) == [
        "cohabitation-pietons",
        "confort",
        "continuite",
        "evolution-frequentation",
        "frequentation-quotidienne",
        "securite-ressentie",
    ]
    assert set(definitions.values_list("status", "version", "is_starter")) == {("adopted", 1, True)}
    assert definitions.filter(kind="perception").count() == 4
    change = definitions.get(code="evolution-frequentation")
    assert (change.statistic, change.unit) == ("change_after_adaptation", "%")
    # Adopted through the deliberation, which the public log shows.
    assert DeliberationLogEntry.objects.filter(action="proposal.adopted").count() == 6
    assert DeliberationLogEntry.objects.filter(action="proposal.endorsed").count() == 18


def test_it_is_idempotent():
    load()
    second = load()
    assert CitizenPanel.objects.count() == 1
    assert IndicatorDefinition.objects.count() == 6
    assert "skipped" in second or "ignoré" in second


def test_nobody_can_sign_in_as_a_demo_member():
    load()
    for membership in CitizenPanel.objects.get().memberships.select_related("user"):
        assert not membership.user.has_usable_password()


def test_the_starter_set_applies_to_the_demo_network_by_commune(amenagement):
    # The conftest arrangement is a bike lane in Lyon; the demo panel covers "Métropole de Lyon".
    load()
    assert adopted_for_amenagement(amenagement).count() == 0
    amenagement.commune = commune_get_or_create(name="Métropole de Lyon")
    amenagement.save()
    names = [d.code for d in adopted_for_amenagement(amenagement, kind="perception")]
    assert names == ["cohabitation-pietons", "confort", "continuite", "securite-ressentie"]
    assert adopted_for_amenagement(amenagement, kind="usage").count() == 2
