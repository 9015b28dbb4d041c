"""Proposals' rationales are stored structured and read in the reader's language."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from evaluation.engine.messages import Value, message, render, text
from evaluation.models import AdjustmentProposal
from evaluation.rationales import Reader, rationale
from evaluation.selectors import latest_evaluation
from evaluation.services import evaluation_run

from .fixtures import (
    LAST_DAY,
    city_fixture,  # noqa: F401 -- the `city` fixture
)

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def hot_spot(language):
    spot = message(
        "HOT_SPOT",
        start=Value("metres", 2951.49),
        end=Value("metres", 3100.0),
        name=text("Confort"),
        negatives=Value("int", 1234),
        n=Value("int", 2000),
        share=Value("share", 0.617),
        rest=Value("share", 0.2),
    )
    need = message(
        "SHORTFALL.no_data_before",
        name=text("Fréquentation"),
        date=Value("date", dt.date(2024, 10, 1)),
    )
    with translation.override(language):
        return (
            render(spot, Reader()),
            render(need, Reader()),
            render(Value("number", 2951.49, decimals=2), Reader()),
        )


def test_french_readers_read_french_numbers_and_dates():
    spot, need, number = hot_spot("fr")
    assert number == f"2{NBSP}951,49"
    assert need == (
        "« Fréquentation » : aucun comptage valide avant l’adaptation du 1er octobre 2024, son "
        "effet ne peut pas être mesuré (attendre ne suffira pas)"
    )
    assert spot == (
        f"de 2{NBSP}951{NBSP}m à 3{NBSP}100{NBSP}m sur « Confort » (1{NBSP}234 avis négatifs sur "
        f"2{NBSP}000, soit 62{NBSP}% contre 20{NBSP}% ailleurs)"
    )


def test_english_readers_read_english():
    spot, need, number = hot_spot("en")
    assert number == "2,951.49"
    assert need == (
        "“Fréquentation”: no valid count before the adaptation of Oct. 1, 2024, its effect "
        "cannot be measured (waiting will not help)"
    )
    assert spot == (
        f"from 2,951{NBSP}m to 3,100{NBSP}m on “Confort” (1,234 negative ratings out of 2,000, "
        "that is 62% against 20% elsewhere)"
    )


def test_a_stored_proposal_reads_in_the_language_of_the_page(city, adopted):
    adopted.panel.communes.add(city.amenagement.commune)
    run = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    proposal = run.proposals.get(action=AdjustmentProposal.Action.COLLECT_MORE_DATA)
    assert proposal.evidence["message"]["message"] == "COLLECT_MORE_DATA"
    with translation.override("en"):
        english = rationale(proposal)
    with translation.override("fr"):
        french = rationale(proposal)
    assert english.startswith("The data are not enough to judge yet.")
    assert "Proposal: go on collecting before deciding." in english
    assert french.startswith("Les données ne suffisent pas encore pour juger.")
    # The French UI reads the engine's sentence (typographic apostrophes, locale digits).
    assert french.replace("’", "'") == proposal.rationale
    evaluation = latest_evaluation(amenagement=city.amenagement)
    context = {"amenagement": city.amenagement, "evaluation": evaluation}
    with translation.override("en"):
        page = render_to_string("evaluation/_evaluation.html", context)
    assert "The data are not enough to judge yet." in page
    assert "Les données ne suffisent pas" not in page


def test_a_proposal_stored_before_structured_rationales_keeps_its_text(city, adopted):
    adopted.panel.communes.add(city.amenagement.commune)
    run = evaluation_run(amenagement=city.amenagement, as_of=LAST_DAY)
    proposal = run.proposals.first()
    proposal.evidence.pop("message")
    with translation.override("en"):
        assert rationale(proposal) == proposal.rationale
