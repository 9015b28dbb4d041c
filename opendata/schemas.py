"""What the read-only API answers, field by field: the OpenAPI 3 schema is generated from these
(django-ninja + pydantic). Nothing personal: no account, author, email, pseudonym or comment;
opinions only as aggregates per arrangement version and indicator."""

import datetime as dt
import json
from typing import Any, Literal

from ninja import Field, Schema

from amenagements.models import Adaptation, Amenagement
from evaluation.models import AdjustmentProposal

Kind = Literal[tuple(Amenagement.Kind.values)]  # type: ignore[valid-type]
Status = Literal[tuple(Amenagement.Status.values)]  # type: ignore[valid-type]
AdaptationKind = Literal[tuple(Adaptation.Kind.values)]  # type: ignore[valid-type]
ProposalStatus = Literal[tuple(AdjustmentProposal.Status.values)]  # type: ignore[valid-type]
ProposalAction = Literal[tuple(AdjustmentProposal.Action.values)]  # type: ignore[valid-type]

Geometry = dict[str, Any]


def geometry(text: str | None) -> Geometry | None:
    """A GeoJSON geometry PostGIS wrote (`AsGeoJSON`), as an object."""
    return json.loads(text) if text else None


class CommuneOut(Schema):
    slug: str
    name: str = Field(description="Nom de la commune.")
    insee_code: str = Field(description="Code INSEE (vide s'il n'est pas connu).")


class AmenagementOut(Schema):
    slug: str = Field(description="Identifiant stable de l'aménagement.")
    name: str
    kind: Kind  # type: ignore[valid-type]
    status: Status  # type: ignore[valid-type]
    commune: CommuneOut | None
    opened_on: dt.date | None
    decision_deadline: dt.date | None
    updated_at: dt.datetime
    url: str = Field(description="Sa page sur le site.")
    geometry: Geometry | None = Field(description="Tracé actuel, GeoJSON (WGS 84).")

    @staticmethod
    def resolve_url(obj: Amenagement) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_geometry(obj: Amenagement) -> Geometry | None:
        return geometry(obj.geojson)  # type: ignore[attr-defined]


class VersionOut(Schema):
    number: int
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="Exclu ; vide pour la version en vigueur.")
    geometry: Geometry | None

    @staticmethod
    def resolve_geometry(obj: Any) -> Geometry | None:
        return geometry(obj.geojson)


class AdaptationOut(Schema):
    amenagement: str = Field(alias="amenagement.slug")
    date: dt.date
    kind: AdaptationKind  # type: ignore[valid-type]
    description: str
    status_before: str
    status_after: str
    version: int | None = Field(description="Version du tracé ouverte, le cas échéant.")
    origin: Literal["staff", "import"]

    @staticmethod
    def resolve_version(obj: Adaptation) -> int | None:
        return obj.version.number if obj.version else None


class OpinionAggregateOut(Schema):
    version: int
    indicator: str = Field(description="Code de l'indicateur.")
    indicator_version: int | None
    ratings: int = Field(description="Nombre de notes.")
    mean: float = Field(description="Moyenne, de 1 à 5.")
    distribution: list[int] = Field(description="Nombre de notes 1, 2, 3, 4 et 5.")


class AmenagementDetailOut(AmenagementOut):
    description: str
    versions: list[VersionOut]
    adaptations: list[AdaptationOut]
    opinions: list[OpinionAggregateOut]


class CounterOut(Schema):
    id: int
    source: str
    external_id: str
    name: str
    longitude: float
    latitude: float
    installed_on: dt.date | None
    amenagements: list[str] = Field(description="Aménagements qu'il mesure.")

    @staticmethod
    def resolve_longitude(obj: Any) -> float:
        return round(float(obj.location.x), 6)

    @staticmethod
    def resolve_latitude(obj: Any) -> float:
        return round(float(obj.location.y), 6)

    @staticmethod
    def resolve_amenagements(obj: Any) -> list[str]:
        return [link.amenagement.slug for link in obj.links.all() if not link.excluded]


class DailyTotalOut(Schema):
    date: dt.date
    count: int
    hours: int
    hours_expected: int
    complete: bool


class MonthlyTotalOut(Schema):
    month: dt.date = Field(description="Premier jour du mois.")
    count: int
    days: int
    days_expected: int
    complete: bool


class ProposalOut(Schema):
    id: int
    amenagement: str = Field(alias="amenagement.slug")
    evaluation: int = Field(alias="run_id")
    created_at: dt.datetime
    action: ProposalAction  # type: ignore[valid-type]
    status: ProposalStatus  # type: ignore[valid-type]
    rationale: str
    decision_note: str
    decided_at: dt.datetime | None


class UsageEffectOut(Schema):
    amenagement: str = Field(alias="run.amenagement.slug")
    evaluation: int = Field(alias="run_id")
    as_of: dt.date = Field(alias="run.as_of")
    adaptation_date: dt.date = Field(alias="adaptation.date")
    adaptation_kind: AdaptationKind = Field(alias="adaptation.kind")  # type: ignore[valid-type]
    percent_change: float | None
    interval_low: float | None
    interval_high: float | None
    method: str
    caveats: list[str]


class ErrorOut(Schema):
    detail: str
