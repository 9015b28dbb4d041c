"""Fixtures of the open data tests: a small city with everything the exports publish — an
arrangement adapted once (two layout versions), a counter with daily and monthly totals and an
outage, residents' ratings (one of an account since deleted, one with a hidden comment), an
evaluation with a usage effect, an indicator result and a decided proposal."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import LineString, Point
from django.utils import timezone

from amenagements import services as amenagement_services
from amenagements.models import Adaptation, Amenagement
from evaluation.models import (
    AdjustmentProposal,
    EvaluationRun,
    EvaluationStatus,
    IndicatorResult,
    UsageEffectResult,
)
from participation.contributions import moderation
from participation.privacy.services import account_delete
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import submit
from usage.models import Counter, CounterLink, DailyTotal, Length, MonthlyTotal, Outage

# What must never come out of an export or the API.
SECRETS = (
    "alice@example.org",
    "Alice",
    "bruno@example.org",
    "Bruno",
    "Modo",
    "Commentaire d'Alice, compte supprimé",
    "Commentaire caché de Bruno",
    "Propos injurieux",  # the moderation reason: public on the page, never in the data
)
PUBLISHED_COMMENT = "Commentaire publié de Chloé"


@dataclass
class OpenCity:
    amenagement: Amenagement
    adaptation: Adaptation
    counter: Counter
    run: EvaluationRun
    proposal: AdjustmentProposal


@pytest.fixture
def open_city(amenagement, safety, comfort, moderator):
    alice, bruno, chloe = make_user("Alice"), make_user("Bruno"), make_user("Chloé")
    submit(alice, amenagement, ratings={safety.pk: 2, comfort.pk: 3}, comment=SECRETS[5])
    hidden = submit(bruno, amenagement, ratings={safety.pk: 4}, comment=SECRETS[6]).contribution
    moderation.comment_moderate(
        contribution=hidden, by=moderator, decision="hide", reason=SECRETS[7]
    )
    submit(chloe, amenagement, ratings={safety.pk: 5}, comment=PUBLISHED_COMMENT)
    account_delete(user=alice)

    adaptation = amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 3, 1),
        kind=Adaptation.Kind.EXTENDED,
        description="Prolongée jusqu'au quai",
        geom=LineString((4.8320, 45.7600), (4.8400, 45.7600), srid=4326),
        recorded_by=moderator,
    )
    counter = Counter.objects.create(
        source="lyon", external_id="C1", name="Quai Test", location=Point(4.833, 45.7601)
    )
    CounterLink.objects.create(counter=counter, amenagement=amenagement, manual=True)
    for day in range(1, 4):
        DailyTotal.objects.create(
            counter=counter,
            date=dt.date(2021, 3, day),
            count=1000 + day,
            hours=24 if day != 2 else 20,
            hours_expected=24,
            source_length=Length.HOUR,
        )
    MonthlyTotal.objects.create(
        counter=counter,
        month=dt.date(2021, 3, 1),
        count=3006,
        days=3,
        days_expected=31,
        source_length=Length.DAY,
    )
    Outage.objects.create(
        counter=counter, start=dt.date(2021, 3, 3), end=dt.date(2021, 3, 4), kind="zero"
    )
    run = EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=dt.date(2021, 6, 1),
        frequency=EvaluationRun.Frequency.DAILY,
        parameters={},
        method_version="1",
        created_by=moderator,
    )
    UsageEffectResult.objects.create(
        run=run,
        adaptation=adaptation,
        percent_change=12.5,
        interval_low=3.1,
        interval_high=22.8,
        method="did",
        caveats=["few_controls"],
    )
    IndicatorResult.objects.create(
        run=run,
        definition=safety,
        status=EvaluationStatus.MET,
        value=3.9,
        interval_low=3.2,
        interval_high=4.6,
        n=3,
    )
    proposal = AdjustmentProposal.objects.create(
        amenagement=amenagement,
        run=run,
        action=AdjustmentProposal.Action.MAKE_PERMANENT,
        rationale="Les cibles sont atteintes.",
        status=AdjustmentProposal.Status.ACCEPTED,
        decision_note="Pérennisée au conseil de mars.",
        decided_by=moderator,
        decided_at=timezone.now(),
    )
    return OpenCity(amenagement, adaptation, counter, run, proposal)
