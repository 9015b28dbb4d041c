"""`manage.py load_demo_indicators`: the demonstration citizen panel and its starter set.

A panel clearly labelled as a demonstration, with four demonstration members (accounts nobody
can sign in to), and six indicators adopted through the real deliberation services — proposed,
endorsed, adopted — so the public log reads like a real one. The set is a starting point the
panel can revise or retire, inspired by the FUB's Baromètre des villes cyclables (felt safety,
comfort, continuity, coexistence with pedestrians) and by before/after evaluations of pop-up
bike lanes (mean daily usage from counters, change in usage after an adaptation).

Idempotent: if the demonstration panel exists, it says so and does nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from amenagements.models import Amenagement
from amenagements.services import commune_get_or_create
from participation.indicators import deliberation
from participation.indicators import services as definition_services
from participation.indicators.text import DefinitionText
from participation.models import CitizenPanel, IndicatorDefinition, Membership, Stance
from participation.panels import services as panel_services
from participation.profiles import services as profile_services

DEMO_PANEL_NAME = "Panel citoyen de démonstration"
DEMO_COMMUNE = "Métropole de Lyon"  # the commune of the demo network (`load_demo`)
DEMO_EMAIL_DOMAIN = "demo.tactique.invalid"
FACILITATOR = "Camille-demo"
MEMBERS = ("Karim-demo", "Lucie-demo", "Théo-demo")

K = Amenagement.Kind
CYCLING: list[str] = [K.BIKE_LANE, K.BIKE_STREET, K.GREENWAY]
SHARED: list[str] = [K.PEDESTRIAN_STREET, K.WIDENED_SIDEWALK, K.SCHOOL_STREET, K.SHARED_ZONE]
PERCEPTION = IndicatorDefinition.Kind.PERCEPTION
USAGE = IndicatorDefinition.Kind.USAGE
STARTER_NOTE = (
    " Indicateur du jeu de départ : un point de départ que le panel peut réviser ou retirer."
)

STARTER_SET = [
    DefinitionText(
        code="securite-ressentie",
        name="Sentiment de sécurité",
        kind=PERCEPTION,
        theme=IndicatorDefinition.Theme.SAFETY,
        question="Sur cet aménagement, vous sentez-vous en sécurité ?",
        scale_labels=[
            "Pas du tout en sécurité",
            "Peu en sécurité",
            "Moyennement en sécurité",
            "Plutôt en sécurité",
            "Tout à fait en sécurité",
        ],
        unit="/ 5",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("3.5"),
        alert_threshold=Decimal("2.5"),
        min_sample_size=30,
        applicable_kinds=[*CYCLING, K.SCHOOL_STREET, K.SHARED_ZONE, K.BUS_LANE],
        description=(
            "Le sentiment de sécurité est le premier critère du Baromètre des villes cyclables "
            "de la FUB : sans lui, une piste reste vide." + STARTER_NOTE
        ),
    ),
    DefinitionText(
        code="confort",
        name="Confort",
        kind=PERCEPTION,
        question="Circuler ici est-il confortable (largeur, revêtement, obstacles) ?",
        scale_labels=[
            "Très inconfortable",
            "Inconfortable",
            "Acceptable",
            "Confortable",
            "Très confortable",
        ],
        unit="/ 5",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("3.5"),
        alert_threshold=Decimal("2.5"),
        min_sample_size=30,
        applicable_kinds=[*CYCLING, *SHARED],
        description=(
            "Largeur, qualité du revêtement, absence d'obstacles : le confort d'usage, autre "
            "rubrique du Baromètre de la FUB." + STARTER_NOTE
        ),
    ),
    DefinitionText(
        code="continuite",
        name="Continuité de l'itinéraire",
        kind=PERCEPTION,
        theme=IndicatorDefinition.Theme.CONTINUITY,
        question="Cet aménagement vous permet-il de poursuivre votre trajet sans coupure ni "
        "détour ?",
        scale_labels=[
            "Pas du tout continu",
            "Souvent interrompu",
            "Quelques coupures",
            "Plutôt continu",
            "Parfaitement continu",
        ],
        unit="/ 5",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("3.5"),
        alert_threshold=Decimal("2.5"),
        min_sample_size=30,
        applicable_kinds=CYCLING,
        description=(
            "Un aménagement qui s'interrompt au carrefour le plus dangereux ne sert qu'à moitié : "
            "la continuité des itinéraires est suivie par le Baromètre de la FUB." + STARTER_NOTE
        ),
    ),
    DefinitionText(
        code="cohabitation-pietons",
        name="Cohabitation avec les piétons",
        kind=PERCEPTION,
        question="Ici, la cohabitation entre piétons et cyclistes se passe-t-elle bien ?",
        scale_labels=["Très mal", "Mal", "Ni bien ni mal", "Bien", "Très bien"],
        unit="/ 5",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("3.5"),
        alert_threshold=Decimal("2.5"),
        min_sample_size=30,
        applicable_kinds=[K.BIKE_LANE, K.GREENWAY, *SHARED],
        description=(
            "Les aménagements temporaires partagent souvent l'espace : ce qui gagne pour les uns "
            "ne doit pas se perdre pour les autres." + STARTER_NOTE
        ),
    ),
    DefinitionText(
        code="frequentation-quotidienne",
        name="Fréquentation quotidienne",
        kind=USAGE,
        data_source=IndicatorDefinition.DataSource.COUNTERS,
        statistic=IndicatorDefinition.Statistic.MEAN_DAILY,
        unit="passages par jour",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("1000"),
        alert_threshold=Decimal("300"),
        min_sample_size=28,
        applicable_kinds=CYCLING,
        description=(
            "Moyenne des passages quotidiens aux compteurs de l'aménagement, jours incomplets, "
            "pannes et jours fériés exclus. Taille minimale : en jours de comptage." + STARTER_NOTE
        ),
    ),
    DefinitionText(
        code="evolution-frequentation",
        name="Évolution de la fréquentation après une adaptation",
        kind=USAGE,
        data_source=IndicatorDefinition.DataSource.COUNTERS,
        statistic=IndicatorDefinition.Statistic.CHANGE_AFTER_ADAPTATION,
        unit="%",
        direction=IndicatorDefinition.Direction.HIGHER,
        target=Decimal("10"),
        alert_threshold=Decimal("0"),
        # Six weeks of valid days on each side: the 8-week windows (56 days) lose public
        # holidays, outages and incomplete days, so asking for all 56 could rarely be met.
        min_sample_size=42,
        applicable_kinds=CYCLING,
        description=(
            "Variation de la fréquentation entre les semaines avant et après une adaptation, "
            "corrigée par des compteurs témoins (différence de différences), comme dans les "
            "évaluations des « coronapistes ». Taille minimale : en jours de comptage."
            + STARTER_NOTE
        ),
    ),
]


def _demo_user(pseudonym: str):
    """A demonstration account: a verified address nobody owns, and no usable password."""
    User = get_user_model()
    email = f"{pseudonym.lower().replace('é', 'e')}@{DEMO_EMAIL_DOMAIN}"
    user = User(username=email, email=email)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    profile_services.profile_set_pseudonym(user=user, pseudonym=pseudonym)
    return user


class Command(BaseCommand):
    help = "Load the demonstration citizen panel and its starter set of indicators."

    def handle(self, *args: Any, **options: Any) -> None:
        if CitizenPanel.objects.filter(is_demo=True, name=DEMO_PANEL_NAME).exists():
            self.stdout.write(_("Demonstration panel already loaded: skipped."))
            return
        with transaction.atomic():
            facilitator = _demo_user(FACILITATOR)
            members = [_demo_user(name) for name in MEMBERS]
            panel = panel_services.panel_create(
                name=DEMO_PANEL_NAME,
                description=(
                    "Panel de démonstration : ses membres sont fictifs. Il montre comment un "
                    "panel citoyen choisit les critères et les cibles qui jugent les "
                    "aménagements. Son jeu d'indicateurs de départ s'inspire du Baromètre des "
                    "villes cyclables de la FUB et des évaluations avant/après des pistes "
                    "temporaires de 2020."
                ),
                quorum=3,
                min_endorsement_percent=60,
                communes=[commune_get_or_create(name=DEMO_COMMUNE)],
                is_demo=True,
                facilitators=[facilitator],
            )
            for member in members:
                panel_services.membership_add(
                    panel=panel, user=member, role=Membership.Role.MEMBER, by=facilitator
                )
            for i, text in enumerate(STARTER_SET):
                proposer = members[i % len(members)]
                definition = definition_services.definition_propose(
                    panel=panel, proposed_by=proposer, text=text, is_starter=True
                )
                for member in members:
                    deliberation.stance_set(
                        definition=definition, user=member, position=Stance.Position.ENDORSE
                    )
                definition_services.definition_adopt(definition=definition, by=facilitator)
        self.stdout.write(
            _("Demonstration panel loaded with %(n)s starter indicators.") % {"n": len(STARTER_SET)}
        )
