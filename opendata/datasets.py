"""The open data catalogue: each data set published at /donnees/, its columns and their meaning.

A data set is one SQL query, built here from its list of fields: the column names, the SQL that
computes them and the description shown on the page come from the same `Field`, so the
documentation cannot drift from the file. Rules every data set keeps:
- nothing personal: no account, email, pseudonym, comment, pinned spot or author of anything
  (who recorded, decided, ran or proposed), and no individual rating — opinions are published
  only as aggregates per arrangement version and indicator (`avis-par-indicateur`), and the
  demonstration opinions (`is_demo`) are left out. The answers of imported surveys are
  published too, each survey in rows of its own (`enquete`), never mixed with residents'
  ratings: `comptee` says whether the results count them (the panel's choice), so that a
  reuser can add them up as the arrangement page does, or not;
- columns hold codes (stable, language-independent); their meaning is in the description;
- rows come in a stable order (the ORDER BY), so two downloads of the same data are identical;
- coordinates are WGS 84 (EPSG:4326) with 6 decimals (~10 cm); lengths and areas are measured
  in the metric CRS (`TACTIQUE_METRIC_SRID`).
The queries are run and streamed by `opendata.selectors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db.models import Model
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from amenagements.models import (
    Adaptation,
    Amenagement,
    AmenagementVersion,
    Commune,
    PlannedAdaptation,
)
from evaluation.models import (
    AdjustmentProposal,
    EvaluationRun,
    IndicatorResult,
    UsageEffectResult,
)
from participation.models import (
    CitizenPanel,
    Contribution,
    IndicatorDefinition,
    Rating,
    SurveySource,
)
from usage.models import Counter, CounterLink, DailyTotal, MonthlyTotal, Outage

TEXT = _("text")
INTEGER = _("integer")
NUMBER = _("number")
DATE = _("date (YYYY-MM-DD)")
DATETIME = _("date and time (ISO 8601, UTC)")
BOOLEAN = _("boolean (true / false)")


def table(model: type[Model]) -> str:
    return model._meta.db_table


@dataclass(frozen=True)
class Field:
    """One column: its name in the files, the SQL computing it, its type and meaning."""

    name: str
    sql: str
    type: Promise
    description: Promise


@dataclass(frozen=True)
class Dataset:
    """One data set: `FROM … [WHERE … GROUP BY …]` and its fields; `geometry` (SQL), if any,
    makes it available as GeoJSON and adds a `geometrie_wkt` column to the CSV."""

    slug: str
    title: Promise
    description: Promise
    fields: tuple[Field, ...]
    source: str
    order_by: str
    model: type[Model]  # the table whose database the routers choose (a replica, if any)
    geometry: str | None = None
    geometry_description: Promise | None = None

    @property
    def has_geometry(self) -> bool:
        return self.geometry is not None


RATINGS_EQUAL = _("Number of ratings equal to %s.")


def _step_description(step: int) -> Promise:
    """Translated when shown, like the other descriptions, not once at import."""
    return cast(Promise, lazy(lambda: str(RATINGS_EQUAL) % step, str)())


def _choices(choices: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices)


A, V, C = table(Amenagement), table(AmenagementVersion), table(Commune)

AMENAGEMENTS = Dataset(
    slug="amenagements",
    title=_("Arrangements and every version of their layout"),
    description=_(
        "One line per version of each arrangement's layout: the arrangement as it is today "
        "(name, kind, status, commune) and the dates each layout was in force. The current "
        "layout is the version without an end date."
    ),
    fields=(
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement (stable).")),
        Field("nom", "a.name", TEXT, _("Name of the arrangement.")),
        Field("type", "a.kind", TEXT, _("Kind, one of: %s.")),
        Field("statut", "a.status", TEXT, _("Current status, one of: %s.")),
        Field("commune", "c.name", TEXT, _("Commune.")),
        Field("code_insee", "NULLIF(c.insee_code, '')", TEXT, _("INSEE code of the commune.")),
        Field("ouvert_le", "a.opened_on", DATE, _("Opening date, if known.")),
        Field(
            "date_limite_decision",
            "a.decision_deadline",
            DATE,
            _("When the services must decide to keep, change or remove a trial."),
        ),
        Field("version", "v.number", INTEGER, _("Number of the layout version, from 1.")),
        Field("en_vigueur_du", "v.valid_from", DATE, _("First day this layout was in force.")),
        Field(
            "en_vigueur_jusqu_au",
            "v.valid_to",
            DATE,
            _("Day this layout stopped being in force (excluded); empty for the current one."),
        ),
        Field(
            "longueur_m",
            "CASE WHEN GeometryType(v.geom) IN ('LINESTRING', 'MULTILINESTRING') THEN "
            f"round(ST_Length(ST_Transform(v.geom, {int(settings.TACTIQUE_METRIC_SRID)}))"
            "::numeric, 1) END",
            NUMBER,
            _("Length of a line, in metres."),
        ),
        Field(
            "surface_m2",
            "CASE WHEN GeometryType(v.geom) IN ('POLYGON', 'MULTIPOLYGON') THEN "
            f"round(ST_Area(ST_Transform(v.geom, {int(settings.TACTIQUE_METRIC_SRID)}))"
            "::numeric, 1) END",
            NUMBER,
            _("Area of a polygon, in square metres."),
        ),
        Field("source", "NULLIF(a.external_source, '')", TEXT, _("Network it was imported from.")),
        Field(
            "identifiant_source",
            "NULLIF(a.external_id, '')",
            TEXT,
            _("Its identifier in that network."),
        ),
        Field(
            "attribution", "NULLIF(a.attribution, '')", TEXT, _("Licence and credit of the source.")
        ),
    ),
    source=f"{V} v JOIN {A} a ON a.id = v.amenagement_id LEFT JOIN {C} c ON c.id = a.commune_id",
    order_by="a.slug, v.number",
    model=Amenagement,
    geometry="v.geom",
    geometry_description=_("The layout of this version (line or polygon)."),
)

AD, PA, P = table(Adaptation), table(PlannedAdaptation), table(AdjustmentProposal)

ADAPTATIONS = Dataset(
    slug="adaptations",
    title=_("Adaptations of the arrangements"),
    description=_(
        "Every dated event in the life of an arrangement: creation, widening, separation, "
        "extension, move, change of status, made permanent, removal… with the layout version "
        "it opened and the evaluation proposal it carried out, if any."
    ),
    fields=(
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement.")),
        Field("date", "ad.date", DATE, _("Date of the adaptation.")),
        Field("type_adaptation", "ad.kind", TEXT, _("Kind of adaptation, one of: %s.")),
        Field("description", "NULLIF(ad.description, '')", TEXT, _("What was done.")),
        Field("statut_avant", "NULLIF(ad.status_before, '')", TEXT, _("Status before.")),
        Field("statut_apres", "NULLIF(ad.status_after, '')", TEXT, _("Status after.")),
        Field(
            "version_ouverte",
            "v.number",
            INTEGER,
            _("Layout version it opened, when it changed the geometry."),
        ),
        Field(
            "origine",
            "ad.origin",
            TEXT,
            _("staff (recorded by the services) or import (detected by an import)."),
        ),
        Field(
            "proposition",
            "p.id",
            INTEGER,
            _("The evaluation proposal it carried out (see the proposals data set)."),
        ),
    ),
    source=(
        f"{AD} ad JOIN {A} a ON a.id = ad.amenagement_id "
        f"LEFT JOIN {V} v ON v.id = ad.version_id "
        f"LEFT JOIN {PA} pa ON pa.adaptation_id = ad.id "
        f"LEFT JOIN {P} p ON p.planned_adaptation_id = pa.id"
    ),
    order_by="a.slug, ad.date, ad.id",
    model=Adaptation,
)

CO, CL, OU = table(Counter), table(CounterLink), table(Outage)

COMPTEURS = Dataset(
    slug="compteurs",
    title=_("Counters"),
    description=_(
        "The automatic counters (bike loops, cameras…) and the arrangements each one measures."
    ),
    fields=(
        Field("source", "co.source", TEXT, _("Data provider.")),
        Field("compteur", "co.external_id", TEXT, _("Identifier of the counter at its provider.")),
        Field("nom", "co.name", TEXT, _("Name of the counter.")),
        Field(
            "longitude", "round(ST_X(co.location)::numeric, 6)", NUMBER, _("Longitude (WGS 84).")
        ),
        Field("latitude", "round(ST_Y(co.location)::numeric, 6)", NUMBER, _("Latitude (WGS 84).")),
        Field("installe_le", "co.installed_on", DATE, _("Installation date, if known.")),
        Field(
            "amenagements",
            f"(SELECT string_agg(la.slug, ';' ORDER BY la.slug) FROM {CL} l "  # noqa: S608 -- table names
            f"JOIN {A} la ON la.id = l.amenagement_id "
            "WHERE l.counter_id = co.id AND NOT l.excluded)",
            TEXT,
            _("Identifiers of the arrangements it measures, separated by “;”."),
        ),
        Field("attribution", "NULLIF(co.attribution, '')", TEXT, _("Licence and credit.")),
    ),
    source=f"{CO} co",
    order_by="co.source, co.external_id",
    model=Counter,
    geometry="co.location",
    geometry_description=_("The counter's position (point)."),
)

D = table(DailyTotal)

COMPTAGES_JOURNALIERS = Dataset(
    slug="comptages-journaliers",
    title=_("Daily totals of the counters"),
    description=_(
        "Each counter's total per local day (Europe/Paris), with how many hours it covers and "
        "whether the counter was out of order that day."
    ),
    fields=(
        Field("source", "co.source", TEXT, _("Data provider.")),
        Field("compteur", "co.external_id", TEXT, _("Identifier of the counter.")),
        Field("date", "d.date", DATE, _("Local day.")),
        Field("comptage", "d.count", INTEGER, _("Passages counted that day.")),
        Field("heures", "d.hours", INTEGER, _("Hours the total covers.")),
        Field("heures_attendues", "d.hours_expected", INTEGER, _("Hours in the day (23 to 25).")),
        Field("complet", "d.hours >= d.hours_expected", BOOLEAN, _("Every hour is known.")),
        Field(
            "en_panne",
            f"EXISTS (SELECT 1 FROM {OU} o WHERE o.counter_id = d.counter_id "  # noqa: S608
            "AND d.date >= o.start AND d.date < o.end)",
            BOOLEAN,
            _("The day falls in an outage: excluded from every statistic."),
        ),
    ),
    source=f"{D} d JOIN {CO} co ON co.id = d.counter_id",
    order_by="co.source, co.external_id, d.date",
    model=DailyTotal,
)

M = table(MonthlyTotal)

COMPTAGES_MENSUELS = Dataset(
    slug="comptages-mensuels",
    title=_("Monthly totals of the counters"),
    description=_("Each counter's total per local month, with how many days it covers."),
    fields=(
        Field("source", "co.source", TEXT, _("Data provider.")),
        Field("compteur", "co.external_id", TEXT, _("Identifier of the counter.")),
        Field("mois", "to_char(m.month, 'YYYY-MM')", TEXT, _("Month (YYYY-MM).")),
        Field("comptage", "m.count", INTEGER, _("Passages counted that month.")),
        Field("jours", "m.days", INTEGER, _("Days the total covers.")),
        Field("jours_attendus", "m.days_expected", INTEGER, _("Days in the month.")),
        Field("complet", "m.days >= m.days_expected", BOOLEAN, _("Every day is known.")),
    ),
    source=f"{M} m JOIN {CO} co ON co.id = m.counter_id",
    order_by="co.source, co.external_id, m.month",
    model=MonthlyTotal,
)

R, CT, ID = table(Rating), table(Contribution), table(IndicatorDefinition)
SS, CP = table(SurveySource), table(CitizenPanel)

AVIS = Dataset(
    slug="avis-par-indicateur",
    title=_("Residents' ratings, aggregated per version and indicator"),
    description=_(
        "For each version of an arrangement's layout and each perception indicator, the number "
        "of ratings, their mean and their distribution from 1 to 5. Individual ratings are "
        "never published; demonstration opinions are left out. The answers of each imported "
        "survey come in rows of their own, named in the column enquete."
    ),
    fields=(
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement.")),
        Field("version", "v.number", INTEGER, _("Layout version the ratings judged.")),
        Field("indicateur", "d.code", TEXT, _("Code of the indicator.")),
        Field("version_indicateur", "d.version", INTEGER, _("Version of the indicator's text.")),
        Field("nom_indicateur", "d.name", TEXT, _("Name of the indicator.")),
        Field("question", "d.question", TEXT, _("The question residents answered.")),
        Field(
            "enquete",
            "s.name",
            TEXT,
            _("The imported survey the ratings come from; empty for residents' own ratings."),
        ),
        Field(
            "comptee",
            "s.id IS NULL OR cp.include_survey_opinions",
            BOOLEAN,
            _(
                "Whether the results count these ratings: residents' always, a survey's when "
                "the indicator's panel decided so."
            ),
        ),
        Field("notes", "count(*)", INTEGER, _("Number of ratings.")),
        Field("moyenne", "round(avg(r.value), 2)", NUMBER, _("Mean rating, from 1 to 5.")),
        *(
            Field(
                f"notes_{step}",
                f"count(*) FILTER (WHERE r.value = {step})",
                INTEGER,
                _step_description(step),
            )
            for step in range(1, 6)
        ),
    ),
    source=(
        f"{R} r JOIN {CT} ct ON ct.id = r.contribution_id AND NOT ct.is_demo "
        f"LEFT JOIN {SS} s ON s.id = ct.source_id "
        f"JOIN {V} v ON v.id = ct.version_id JOIN {A} a ON a.id = v.amenagement_id "
        f"JOIN {ID} d ON d.id = r.definition_id JOIN {CP} cp ON cp.id = d.panel_id "
        "GROUP BY a.slug, v.number, d.id, s.id, cp.id"
    ),
    order_by="a.slug, v.number, d.code, d.version, s.name NULLS FIRST",
    model=Rating,
)

U, ER, IR = table(UsageEffectResult), table(EvaluationRun), table(IndicatorResult)

EFFETS = Dataset(
    slug="effets-usage",
    title=_("Effects of the adaptations on usage"),
    description=_(
        "For each evaluation and each adaptation it measured, the estimated change of the "
        "counts (difference-in-differences against control counters), its interval (95 %), the "
        "method and the caveats that qualify it."
    ),
    fields=(
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement.")),
        Field("evaluation", "er.id", INTEGER, _("Identifier of the evaluation.")),
        Field("evaluee_le", "er.created_at", DATETIME, _("When the evaluation ran.")),
        Field("donnees_jusqu_au", "er.as_of", DATE, _("Data up to this date.")),
        Field("version_methode", "er.method_version", TEXT, _("Version of the method.")),
        Field("date_adaptation", "ad.date", DATE, _("Date of the adaptation measured.")),
        Field("type_adaptation", "ad.kind", TEXT, _("Kind of the adaptation measured.")),
        Field(
            "variation_pct",
            "round(u.percent_change::numeric, 2)",
            NUMBER,
            _("Estimated change of the counts, in %."),
        ),
        Field(
            "intervalle_bas_pct",
            "round(u.interval_low::numeric, 2)",
            NUMBER,
            _("Lower bound of the interval (95 %), in %."),
        ),
        Field(
            "intervalle_haut_pct",
            "round(u.interval_high::numeric, 2)",
            NUMBER,
            _("Upper bound of the interval (95 %), in %."),
        ),
        Field("methode", "u.method", TEXT, _("Method of the estimate.")),
        Field(
            "reserves",
            "array_to_string(u.caveats, ';')",
            TEXT,
            _("Caveats (codes separated by “;”): few days, few controls, outages…"),
        ),
    ),
    source=(
        f"{U} u JOIN {ER} er ON er.id = u.run_id JOIN {A} a ON a.id = er.amenagement_id "
        f"JOIN {AD} ad ON ad.id = u.adaptation_id"
    ),
    order_by="a.slug, er.created_at, er.id, ad.date, u.id",
    model=UsageEffectResult,
)

RESULTATS = Dataset(
    slug="resultats-indicateurs",
    title=_("Indicator results of the evaluations"),
    description=_(
        "For each evaluation, each adopted indicator against its target: the value, its "
        "interval, the sample size and whether the target is met."
    ),
    fields=(
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement.")),
        Field("evaluation", "er.id", INTEGER, _("Identifier of the evaluation.")),
        Field("evaluee_le", "er.created_at", DATETIME, _("When the evaluation ran.")),
        Field("donnees_jusqu_au", "er.as_of", DATE, _("Data up to this date.")),
        Field("indicateur", "d.code", TEXT, _("Code of the indicator.")),
        Field("version_indicateur", "d.version", INTEGER, _("Version of the indicator's text.")),
        Field("cible", "d.target", NUMBER, _("Target of the indicator.")),
        Field("resultat", "ir.status", TEXT, _("met, missed or not_enough_data.")),
        Field("valeur", "round(ir.value::numeric, 3)", NUMBER, _("Value measured.")),
        Field(
            "intervalle_bas",
            "round(ir.interval_low::numeric, 3)",
            NUMBER,
            _("Lower bound of its interval."),
        ),
        Field(
            "intervalle_haut",
            "round(ir.interval_high::numeric, 3)",
            NUMBER,
            _("Upper bound of its interval."),
        ),
        Field("effectif", "ir.n", INTEGER, _("Sample size (ratings or days).")),
    ),
    source=(
        f"{IR} ir JOIN {ER} er ON er.id = ir.run_id JOIN {A} a ON a.id = er.amenagement_id "
        f"JOIN {ID} d ON d.id = ir.definition_id"
    ),
    order_by="a.slug, er.created_at, er.id, d.code",
    model=IndicatorResult,
)

PROPOSITIONS = Dataset(
    slug="propositions",
    title=_("Adjustment proposals and the services' decisions"),
    description=_(
        "What each evaluation proposed (make permanent, adjust, add separation, remove, "
        "collect more data…), why, and the services' public decision with its note."
    ),
    fields=(
        Field("proposition", "p.id", INTEGER, _("Identifier of the proposal.")),
        Field("amenagement", "a.slug", TEXT, _("Identifier of the arrangement.")),
        Field("evaluation", "p.run_id", INTEGER, _("The evaluation that made it.")),
        Field("proposee_le", "p.created_at", DATETIME, _("When it was made.")),
        Field("action", "p.action", TEXT, _("What it proposes, one of: %s.")),
        Field("justification", "p.rationale", TEXT, _("Why, with the numbers it rests on.")),
        Field("statut", "p.status", TEXT, _("Where it stands, one of: %s.")),
        Field(
            "note_de_decision", "NULLIF(p.decision_note, '')", TEXT, _("The services' public note.")
        ),
        Field("decidee_le", "p.decided_at", DATETIME, _("When it was decided.")),
        Field(
            "adaptation_prevue",
            "pa.status",
            TEXT,
            _("The adaptation planned when it was accepted: planned, done or cancelled."),
        ),
    ),
    source=(
        f"{P} p JOIN {A} a ON a.id = p.amenagement_id "
        f"LEFT JOIN {PA} pa ON pa.id = p.planned_adaptation_id"
    ),
    order_by="a.slug, p.created_at, p.id",
    model=AdjustmentProposal,
    geometry="p.segment_geom",
    geometry_description=_("The stretches of the line it concerns, if any."),
)

DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in (
        AMENAGEMENTS,
        ADAPTATIONS,
        COMPTEURS,
        COMPTAGES_JOURNALIERS,
        COMPTAGES_MENSUELS,
        AVIS,
        RESULTATS,
        EFFETS,
        PROPOSITIONS,
    )
}

# Fields whose description lists the codes of a choice (`%s` in the description).
CHOICES = {
    ("amenagements", "type"): Amenagement.Kind.choices,
    ("amenagements", "statut"): Amenagement.Status.choices,
    ("adaptations", "type_adaptation"): Adaptation.Kind.choices,
    ("propositions", "action"): AdjustmentProposal.Action.choices,
    ("propositions", "statut"): AdjustmentProposal.Status.choices,
}


def field_description(dataset: Dataset, field: Field) -> str:
    """The field's description, with the codes it may hold and their meaning when it is a
    choice."""
    choices = CHOICES.get((dataset.slug, field.name))
    if choices is None:
        return str(field.description)
    return str(field.description) % _choices(choices)
