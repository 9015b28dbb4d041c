"""People and panels for the participation and indicators tests (imported by their conftests).

Every person is a real account with an allauth `EmailAddress`: verified unless asked otherwise,
as a resident who clicked the link in the sign-up email would be.
"""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core.cache import cache

from participation.indicators import deliberation
from participation.indicators import services as definition_services
from participation.indicators.text import DefinitionText
from participation.models import IndicatorDefinition, Stance
from participation.panels import services as panel_services
from participation.profiles import services as profile_services

PASSWORD = "un mot de passe solide 2026"


def make_user(pseudonym, *, verified=True, staff=False, superuser=False):
    email = f"{pseudonym.lower()}@example.org"
    user = User.objects.create_user(
        email, email=email, password=PASSWORD, is_staff=staff, is_superuser=superuser
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    profile_services.profile_set_pseudonym(user=user, pseudonym=pseudonym)
    return user


def perception_text(**changes) -> DefinitionText:
    values = {
        "code": "securite",
        "name": "Sentiment de sécurité",
        "kind": IndicatorDefinition.Kind.PERCEPTION,
        "theme": IndicatorDefinition.Theme.SAFETY,
        "question": "Vous sentez-vous en sécurité ici ?",
        "scale_labels": ["Pas du tout", "Peu", "Moyennement", "Plutôt", "Tout à fait"],
        "unit": "/ 5",
        "direction": IndicatorDefinition.Direction.HIGHER,
        "target": Decimal("3.5"),
        "alert_threshold": Decimal("2.5"),
        "min_sample_size": 30,
        "applicable_kinds": ["bike_lane"],
    }
    values.update(changes)
    return DefinitionText(**values)


def usage_text(**changes) -> DefinitionText:
    values = {
        "code": "frequentation",
        "name": "Fréquentation",
        "kind": IndicatorDefinition.Kind.USAGE,
        "data_source": IndicatorDefinition.DataSource.COUNTERS,
        "statistic": IndicatorDefinition.Statistic.MEAN_DAILY,
        "unit": "passages par jour",
        "direction": IndicatorDefinition.Direction.HIGHER,
        "target": Decimal("1000"),
        "applicable_kinds": ["bike_lane"],
    }
    values.update(changes)
    return DefinitionText(**values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture
def facilitator(db):
    return make_user("Facilitatrice")


@pytest.fixture
def member(db):
    return make_user("Membre")


@pytest.fixture
def member2(db):
    return make_user("Membre2")


@pytest.fixture
def resident(db):
    return make_user("Habitante")


@pytest.fixture
def staff(db):
    return make_user("Agent", staff=True)


@pytest.fixture
def panel(facilitator, member, member2):
    """Quorum 2, 60 % endorsements; a facilitator and two members."""
    panel = panel_services.panel_create(
        name="Panel de la Guillotière",
        description="Un panel de test.",
        quorum=2,
        min_endorsement_percent=60,
        facilitators=[facilitator],
    )
    panel_services.membership_add(panel=panel, user=member, by=facilitator)
    panel_services.membership_add(panel=panel, user=member2, by=facilitator)
    return panel


@pytest.fixture
def proposal(panel, member):
    return definition_services.definition_propose(
        panel=panel, proposed_by=member, text=perception_text()
    )


def endorse(definition, *users, position=Stance.Position.ENDORSE):
    for user in users:
        deliberation.stance_set(definition=definition, user=user, position=position)


@pytest.fixture
def adopted(proposal, member, member2, facilitator):
    endorse(proposal, member, member2)
    return definition_services.definition_adopt(definition=proposal, by=facilitator)


__all__ = [
    "_fresh_rate_limits",
    "adopted",
    "facilitator",
    "member",
    "member2",
    "panel",
    "proposal",
    "resident",
    "staff",
]
