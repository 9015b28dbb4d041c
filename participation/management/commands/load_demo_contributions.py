"""`manage.py load_demo_contributions`: demonstration opinions, so the map is not empty.

Ten demonstration residents (accounts nobody can sign in to, pseudonyms ending in "-demo") rate
thirty arrangements of the demo network on the demonstration panel's questions, with a few
comments and pinned spots. Every contribution is flagged `is_demo` and shown with a
"Demonstration" badge. They go through the real service (`contribution_submit`), so they obey
the same rules as residents' own. Deterministic (a fixed seed) and idempotent: if demonstration
opinions exist, it says so and does nothing. Run after `load_demo` and `load_demo_indicators`.
"""

from __future__ import annotations

import random
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiLineString, Point
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from amenagements.models import Amenagement
from participation.contributions.services import ContributionInput, contribution_submit
from participation.indicators.selectors import adopted_for_amenagement
from participation.models import Contribution, ContributorProfile, IndicatorDefinition, Profile
from participation.profiles import services as profile_services

DEMO_EMAIL_DOMAIN = "demo.tactique.invalid"
RESIDENTS = (
    "Amélie-demo",
    "Bastien-demo",
    "Chloé-demo",
    "Damien-demo",
    "Élodie-demo",
    "Farid-demo",
    "Gaëlle-demo",
    "Hugo-demo",
    "Inès-demo",
    "Jules-demo",
)
ARRANGEMENTS = 30
SEED = 2020
COMMENTS = (
    "Enfin une piste séparée des voitures : je la prends tous les jours pour aller au travail.",
    "Le carrefour au bout de la piste reste dangereux, les voitures tournent sans regarder.",
    "Des livraisons stationnent souvent sur la piste le matin.",
    "Revêtement abîmé sur quelques mètres, attention aux trous sous la pluie.",
    "Très agréable depuis qu'elle a été élargie, on peut se doubler sans risque.",
    "La piste s'arrête brusquement, on se retrouve au milieu de la circulation.",
    "Beaucoup de piétons marchent dessus aux heures de pointe, il manque un marquage clair.",
    "Parfait pour emmener les enfants à l'école à vélo.",
)


def _demo_resident(pseudonym: str):
    """A demonstration account: a verified address nobody owns, and no usable password."""
    existing = Profile.objects.filter(pseudonym__iexact=pseudonym).select_related("user").first()
    if existing is not None:
        return existing.user
    email = f"{slugify(pseudonym)}@{DEMO_EMAIL_DOMAIN}"
    user = get_user_model()(username=email, email=email)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    profile_services.profile_set_pseudonym(user=user, pseudonym=pseudonym)
    return user


def _spot(geom: GEOSGeometry, rng: random.Random) -> Point:
    """A point somewhere along the arrangement (the service snaps it onto the line)."""
    part: GEOSGeometry = (
        geom[rng.randrange(len(geom))] if isinstance(geom, MultiLineString) else geom
    )
    if isinstance(part, LineString) and len(part.coords) >= 2:
        i = rng.randrange(len(part.coords) - 1)
        (x1, y1), (x2, y2) = part.coords[i][:2], part.coords[i + 1][:2]
        t = rng.random()
        return Point(x1 + t * (x2 - x1), y1 + t * (y2 - y1), srid=4326)
    return geom.point_on_surface


class Command(BaseCommand):
    help = "Load demonstration opinions (ratings, comments, spots) on the demo arrangements."

    def handle(self, *args: Any, **options: Any) -> None:
        if Contribution.objects.filter(is_demo=True).exists():
            self.stdout.write(_("Demonstration opinions already loaded: skipped."))
            return
        rng = random.Random(SEED)  # noqa: S311 -- demonstration data, not a secret
        chosen = []
        for amenagement in (
            Amenagement.objects.exclude(status=Amenagement.Status.REMOVED)
            .select_related("commune")
            .order_by("name", "pk")
        ):
            questions = list(
                adopted_for_amenagement(amenagement, kind=IndicatorDefinition.Kind.PERCEPTION)
            )
            if questions:
                chosen.append((amenagement, questions))
        if not chosen:
            self.stdout.write(
                _("No arrangement has adopted questions yet: run load_demo_indicators first.")
            )
            return
        step = max(1, len(chosen) // ARRANGEMENTS)
        chosen = chosen[::step][:ARRANGEMENTS]
        count = 0
        with transaction.atomic():
            residents = [_demo_resident(name) for name in RESIDENTS]
            for amenagement, questions in chosen:
                # Each arrangement has its own tone, so the map coloured by a rating varies.
                tone = {q.pk: rng.uniform(1.8, 4.4) for q in questions}
                for resident in rng.sample(residents, rng.randint(3, len(residents))):
                    ratings = {
                        q.pk: min(5, max(1, round(rng.gauss(tone[q.pk], 0.9))))
                        for q in questions
                        if rng.random() < 0.9
                    }
                    comment = rng.choice(COMMENTS) if rng.random() < 0.35 else ""
                    if not ratings and not comment:
                        continue
                    profiles = rng.sample(ContributorProfile.values, rng.randint(1, 2))
                    point = _spot(amenagement.geom, rng) if rng.random() < 0.3 else None
                    contribution_submit(
                        user=resident,
                        amenagement=amenagement,
                        data=ContributionInput(
                            ratings=ratings, comment=comment, profiles=profiles, point=point
                        ),
                        is_demo=True,
                    )
                    count += 1
        self.stdout.write(
            _("%(n)s demonstration opinions loaded on %(m)s arrangements.")
            % {"n": count, "m": len(chosen)}
        )
