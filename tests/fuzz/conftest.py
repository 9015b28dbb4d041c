"""The world the fuzz tests probe: every kind of row a page can show, and one account for each
role of the permission matrix (anonymous, resident, panel member, facilitator, staff).

Built from the shared fixtures (tests/conftest.py, tests/participation/*fixtures.py), so that
the pages are reached as the other tests reach them: with real rows, not stubs."""

import datetime as dt
import logging
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import MultiLineString
from django.test import Client

from amenagements import services as amenagement_services
from amenagements.models import Amenagement, PlannedAdaptation
from evaluation.models import AdjustmentProposal, EvaluationRun
from participation.indicators import deliberation
from participation.models import CitizenPanel, Contribution, IndicatorDefinition, JoinRequest
from participation.panels import services as panel_services
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import ON_THE_LINE, submit
from tests.usage.helpers import import_text, make_counter
from usage.models import ImportRun

from .probe import Probe

ROLES = ("anonymous", "resident", "member", "facilitator", "staff")
# What the fuzz tests sent, said at the end of the run's output (with or without `-s`).
SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)


@dataclass
class World:
    amenagement: Amenagement
    panels: list[CitizenPanel]
    definitions: list[IndicatorDefinition]
    contributions: list[Contribution]
    join_requests: list[JoinRequest]
    planned: PlannedAdaptation
    proposal: AdjustmentProposal
    imports: list[ImportRun]
    users: dict[str, User]

    def values(self) -> dict[str, list[str]]:
        """Valid values of the path arguments, by argument name: real slugs and keys."""
        amenagement_slugs = [self.amenagement.slug]
        panel_slugs = [p.slug for p in self.panels]
        pks = sorted(
            {
                *(c.pk for c in self.contributions),
                *(d.pk for d in self.definitions),
                *(j.pk for j in self.join_requests),
                *(i.pk for i in self.imports),
                self.planned.pk,
                self.proposal.pk,
            }
        )
        users = [u.pk for u in self.users.values() if u]
        return {
            "slug": amenagement_slugs + panel_slugs,
            "panel": panel_slugs,
            "code": sorted({d.code for d in self.definitions}),
            "version": ["1", "2"],
            "pk": [str(pk) for pk in pks],
            "id": [str(pk) for pk in users],
            "object_id": [str(pk) for pk in pks + users],
            "content_type_id": [str(ct.pk) for ct in ContentType.objects.all()[:5]],
            "app_label": ["participation", "usage", "amenagements"],
        }


@pytest.fixture
def staff(db):
    """The services' agent: staff holding every permission (imports, adaptations, decisions,
    evaluations, the admin), so that each staff page is reached."""
    return make_user("Agente", staff=True, superuser=True)


@pytest.fixture
def world(
    amenagement, questions, proposal, alice, bruno, moderator, resident, member, facilitator, staff
):
    submit(
        alice,
        amenagement,
        ratings={questions[0].pk: 2, questions[1].pk: 4},
        comment="Trop de voitures garées sur la piste.",
        profiles=["cyclist"],
        point=ON_THE_LINE,
    )
    submit(bruno, amenagement, ratings={questions[0].pk: 5}, comment="Très bien.")
    submit(member, amenagement, ratings={questions[1].pk: 3}, comment="Correct.")
    lyon = questions[0].panel
    deliberation.comment_add(definition=proposal, user=member, body="Pourquoi 3,5 ?")
    join = panel_services.join_request_create(panel=lyon, user=resident, message="Bonjour")
    invitation = panel_services.invitation_create(panel=lyon, by=facilitator, pseudonym="Bruno")
    planned = amenagement_services.adaptation_plan(
        amenagement=amenagement,
        kind="widened",
        description="Élargir la piste.",
        planned_for=dt.date(2030, 1, 1),
        geom=MultiLineString(amenagement.geom, srid=4326),
        created_by=staff,
    )
    run = EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=dt.date(2020, 9, 1),
        frequency=EvaluationRun.Frequency.DAILY,
        parameters={},
        method_version="fuzz",
        data_summary={},
    )
    adjustment = AdjustmentProposal.objects.create(
        amenagement=amenagement,
        run=run,
        action=AdjustmentProposal.Action.ADJUST,
        rationale="Sentiment de sécurité 2,4/5 (n = 40), en dessous de la cible 3,5/5.",
    )
    make_counter("C1")
    import_text("counter,date,count\nC1,2020-05-12,120\nC1,pas une date,3\n")
    return World(
        amenagement=amenagement,
        panels=[proposal.panel, lyon],
        definitions=[*questions, proposal],
        contributions=list(Contribution.objects.all()),
        join_requests=[join, invitation],
        planned=planned,
        proposal=adjustment,
        imports=list(ImportRun.objects.all()),
        users={
            "anonymous": None,
            "resident": resident,
            "member": member,
            "facilitator": facilitator,
            "staff": staff,
        },
    )


@pytest.fixture
def probe(world, settings):
    """One client per role, signed in, against production settings (DEBUG off). Django's
    warnings of each 4xx are silenced: thousands are expected; the 5xx are the findings."""
    settings.DEBUG = False
    quiet = [
        logging.getLogger(name)
        for name in ("django.request", "django.security", "django.contrib.gis")
    ]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL)
    clients = {}
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client
    yield Probe(clients, users=world.users)
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)
