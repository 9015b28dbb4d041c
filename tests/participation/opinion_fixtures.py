"""Fixtures of the residents' opinions tests: a panel of Lyon with two adopted perception
questions for bike lanes, residents, a moderator, and a helper to submit an opinion.

The arrangement is the shared `amenagement` fixture (tests/conftest.py): a 300-odd metre
east-west bike lane in Lyon, version 1 since 2020-05-11.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from participation.contributions.services import ContributionInput, contribution_submit
from participation.indicators import services as definition_services
from participation.panels import services as panel_services
from tests.participation.fixtures import endorse, make_user, perception_text


@pytest.fixture
def questions(amenagement, facilitator, member, member2):
    """Felt safety and comfort, adopted by a panel whose scope is the arrangement's commune."""
    panel = panel_services.panel_create(
        name="Panel de Lyon",
        quorum=2,
        min_endorsement_percent=60,
        communes=[amenagement.commune],
        facilitators=[facilitator],
    )
    panel_services.membership_add(panel=panel, user=member, by=facilitator)
    panel_services.membership_add(panel=panel, user=member2, by=facilitator)
    adopted = []
    for text in (
        perception_text(),
        perception_text(code="confort", name="Confort", question="Est-ce confortable ?"),
    ):
        definition = definition_services.definition_propose(
            panel=panel, proposed_by=member, text=text
        )
        endorse(definition, member, member2)
        adopted.append(definition_services.definition_adopt(definition=definition, by=facilitator))
    return adopted


@pytest.fixture
def safety(questions):
    return questions[0]


@pytest.fixture
def comfort(questions):
    return questions[1]


@pytest.fixture
def alice(db):
    return make_user("Alice")


@pytest.fixture
def bruno(db):
    return make_user("Bruno")


@pytest.fixture
def moderator(db):
    user = make_user("Modo")
    # The migration creates the group; a transactional test's flush may have emptied the table.
    group, _created = Group.objects.get_or_create(name=settings.TACTIQUE_MODERATORS_GROUP)
    user.groups.add(group)
    return user


def submit(user, amenagement, *, ratings=None, comment="", profiles=(), point=None, **kwargs):
    return contribution_submit(
        user=user,
        amenagement=amenagement,
        data=ContributionInput(
            ratings=ratings or {}, comment=comment, profiles=profiles, point=point
        ),
        **kwargs,
    )


# Along the fixture line (4.8320 → 4.8360 at latitude 45.7600).
ON_THE_LINE = Point(4.8330, 45.7600, srid=4326)
BESIDE_THE_LINE = Point(4.8330, 45.7601, srid=4326)  # about 11 m north, a quarter of the way
FAR_FROM_THE_LINE = Point(4.8330, 45.7610, srid=4326)  # about 111 m north


__all__ = [
    "BESIDE_THE_LINE",
    "FAR_FROM_THE_LINE",
    "ON_THE_LINE",
    "alice",
    "bruno",
    "comfort",
    "moderator",
    "questions",
    "safety",
    "submit",
]
