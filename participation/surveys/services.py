"""Recording a survey's answers (`reading`) as contributions of a `SurveySource`, and a panel's
choice to count them.

Rules of the import (`survey_opinions_import`):
- the source is found by its name, or created with the file's scale; a source keeps its scale
  for good (its answers were converted with it), so a file given another scale is refused;
- the mapping names adopted perception indicators by code (or `panel-slug/code`); a code no
  panel has adopted as a perception indicator refuses the whole file;
- each line is attached to an arrangement by its coordinates (the nearest within 50 m; a
  point equally near several is settled by its street if it names one of them), else by its
  commune and street (`selectors`); no match, several, or an unknown commune rejects the line
  with its number, and so does an arrangement of a commune the agent does not act for
  (`communes`);
- a line's scores must be on indicators asked about that arrangement (adopted by a panel whose
  scope covers it, for its kind): a score on another rejects the line; an indicator adopted
  under one code by two panels there must be mapped as `panel-slug/code`;
- the answer goes on the layout version in force on its date (the current one without a
  date), and its date becomes the contribution's `created_at` (noon, local time: the day is
  what evaluations read); a date in the future, or before the arrangement existed, rejects it;
- an answer has no account (`user` None); coordinates matched within 50 m pin its spot on the
  arrangement (`amenagement_locate`); a comment waits for a moderator when the commune is
  pre-moderated, and that is logged ("comment.held") as for residents;
- idempotent: an answer the source already has on that version (same `external_id`) is counted
  as already recorded and left alone, so the same file imported twice records it once; the
  same answer twice in one file rejects the second line;
- one transaction, a savepoint per line (a line the model refuses is rejected, the others
  stay); with `dry_run` everything is done, then undone: the report says what the import
  would do.
A panel's facilitators decide whether its indicators count the answers of surveys with
residents' ratings (`panel_survey_opinions_set`), in public: the panel's log says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amenagements.bulk.reading import BulkReject
from amenagements.bulk.services import REJECT_OUT_OF_SCOPE
from amenagements.models import Amenagement, AmenagementVersion
from amenagements.selectors import amenagement_locate
from common.text import fold
from participation.contributions.moderation import (
    COMMENT_HELD,
    HELD_BY_PREMODERATION,
    premoderated,
)
from participation.contributions.selectors import perception_definitions
from participation.logs import log_record
from participation.models import (
    CitizenPanel,
    CommentStatus,
    Contribution,
    IndicatorDefinition,
    ModerationLogEntry,
    Rating,
    SurveySource,
)
from participation.panels.log import PANEL_SURVEYS_APART, PANEL_SURVEYS_COUNTED, panel_log_record
from participation.panels.services import require_facilitator
from participation.surveys import selectors
from participation.surveys.reading import Scale, SurveyLine, SurveyRead

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_SCALE_CHANGED = _(
    "The survey “%(name)s” was imported on the scale %(scale)s: import its answers on that "
    "scale, or give another survey name."
)
ERROR_UNKNOWN_CODES = _(
    "No panel has adopted a perception indicator with the code %(codes)s (adopted: %(adopted)s)."
)
ERROR_NO_SOURCE = _("Give the survey a name, e.g. « Baromètre vélo 2021 ».")

REJECT_UNKNOWN_COMMUNE = _("no commune “%(value)s”")
REJECT_NOWHERE = _("no arrangement within %(distance)s m of these coordinates")
REJECT_NO_NAME = _("no arrangement named “%(street)s”")
REJECT_NO_NAME_IN = _("no arrangement named “%(street)s” in %(commune)s")
REJECT_AMBIGUOUS = _("several arrangements could be meant: %(names)s")
REJECT_FUTURE = _("the date %(date)s is in the future")
REJECT_NO_VERSION = _("“%(name)s” did not exist on %(date)s")
REJECT_NOT_ASKED = _("the indicator “%(code)s” is not asked about “%(name)s”")
REJECT_CODE_AMBIGUOUS = _("two panels ask “%(code)s” about “%(name)s”: map it as %(choices)s")
REJECT_TWICE = _("the same answer as line %(line)s, on the same layout version")


@dataclass
class SurveyImportResult:
    """What an import of survey answers did (or would do, in a dry run)."""

    source: str
    read: int
    recorded: int = 0  # answers recorded
    ratings: int = 0
    already: int = 0  # answers the source already had
    held: int = 0  # comments waiting for a moderator
    arrangements: int = 0  # arrangements that got answers
    rejects: list[BulkReject] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False


def _source(*, name: str, scale: Scale, description: str, by: User | None) -> SurveySource:
    """The source named `name`, locked (two imports of one survey are serialised), created
    with `scale` if there is none. Raises `ValidationError` when its scale is another."""
    source = SurveySource.objects.select_for_update().filter(name=name).first()
    if source is None:
        source = SurveySource(
            name=name,
            description=description,
            scale_min=scale.low,
            scale_max=scale.high,
            imported_by=by,
        )
        try:
            source.full_clean(exclude=["imported_by"], validate_unique=False)
        except ValidationError as error:  # a name too long: said of the form's field
            raise ValidationError({"source": error.messages}) from None
        try:
            with transaction.atomic():
                source.save()
        except IntegrityError:
            # Another import created it meanwhile: use that one (its scale is checked below).
            source = SurveySource.objects.select_for_update().get(name=name)
    if (source.scale_min, source.scale_max) != (scale.low, scale.high):
        raise ValidationError(
            {
                "scale": ValidationError(
                    ERROR_SCALE_CHANGED,
                    code="scale_changed",
                    params={"name": name, "scale": f"{source.scale_min}–{source.scale_max}"},
                )
            }
        )
    return source


def _key(definition: IndicatorDefinition) -> tuple[str, str]:
    return definition.code, f"{definition.panel.slug}/{definition.code}"


def _check_codes(codes: set[str]) -> None:
    """Raise `ValidationError` unless every code names an adopted perception indicator."""
    adopted = IndicatorDefinition.objects.filter(
        status=IndicatorDefinition.Status.ADOPTED, kind=IndicatorDefinition.Kind.PERCEPTION
    ).select_related("panel")
    known = {key for definition in adopted for key in _key(definition)}
    unknown = sorted(codes - known)
    if unknown:
        raise ValidationError(
            {
                "mapping": ValidationError(
                    ERROR_UNKNOWN_CODES,
                    code="unknown_codes",
                    params={
                        "codes": ", ".join(f"« {code} »" for code in unknown),
                        "adopted": ", ".join(sorted(k for k in known if "/" not in k)) or "—",
                    },
                )
            }
        )


class _Lookups:
    """What several lines share, read once per import: communes, and per arrangement its
    versions, its indicators and whether its commune is pre-moderated."""

    def __init__(self) -> None:
        self.communes = selectors.communes_by_name()
        self.named: dict[tuple[str, int | None], selectors.Found] = {}
        self.versions: dict[int, list[AmenagementVersion]] = {}
        self.definitions: dict[int, dict[str, list[IndicatorDefinition]]] = {}
        self.premoderated: dict[int | None, bool] = {}

    def named_in(self, street: str, commune_id: int | None) -> selectors.Found:
        key = (fold(street), commune_id)
        if key not in self.named:
            self.named[key] = selectors.amenagements_named(street=street, commune_id=commune_id)
        return self.named[key]

    def versions_of(self, amenagement: Amenagement) -> list[AmenagementVersion]:
        if amenagement.pk not in self.versions:
            self.versions[amenagement.pk] = selectors.versions_of(amenagement)
        return self.versions[amenagement.pk]

    def definitions_of(self, amenagement: Amenagement) -> dict[str, list[IndicatorDefinition]]:
        """The perception indicators asked about the arrangement, under each of their keys."""
        if amenagement.pk not in self.definitions:
            keyed: dict[str, list[IndicatorDefinition]] = {}
            for definition in perception_definitions(amenagement):
                for key in _key(definition):
                    keyed.setdefault(key, []).append(definition)
            self.definitions[amenagement.pk] = keyed
        return self.definitions[amenagement.pk]

    def is_premoderated(self, commune_id: int | None) -> bool:
        if commune_id not in self.premoderated:
            self.premoderated[commune_id] = premoderated(commune_id)
        return self.premoderated[commune_id]


@dataclass(frozen=True)
class _Attached:
    amenagement: Amenagement
    by_coordinates: bool


def _names(candidates: tuple[Amenagement, ...]) -> str:
    return ", ".join(f"« {a.name} »" for a in candidates)


def _attach(line: SurveyLine, lookups: _Lookups) -> _Attached | str:
    """The arrangement the line is about, or why none (see the module's rules). The commune
    only narrows a search by name: coordinates need none."""
    near = selectors.Found(None)
    if line.longitude is not None and line.latitude is not None:
        near = selectors.nearest_amenagements(longitude=line.longitude, latitude=line.latitude)
        if near.amenagement is not None:
            return _Attached(near.amenagement, by_coordinates=True)
        if not line.street:
            if near.candidates:
                return str(REJECT_AMBIGUOUS % {"names": _names(near.candidates)})
            return str(REJECT_NOWHERE % {"distance": round(selectors.MATCH_DISTANCE_M)})
    commune_id = None
    if line.insee or line.commune:
        commune_id = lookups.communes.get(line.insee) or lookups.communes.get(fold(line.commune))
        if commune_id is None:
            return str(REJECT_UNKNOWN_COMMUNE % {"value": line.commune or line.insee})
    named = lookups.named_in(line.street, commune_id)
    if near.candidates:
        # Equally near several arrangements: the street tells which, if it names one of them.
        if named.amenagement is not None and named.amenagement in near.candidates:
            return _Attached(named.amenagement, by_coordinates=True)
        return str(REJECT_AMBIGUOUS % {"names": _names(near.candidates)})
    if named.amenagement is not None:
        return _Attached(named.amenagement, by_coordinates=False)
    if named.candidates:
        return str(REJECT_AMBIGUOUS % {"names": _names(named.candidates)})
    if commune_id is None:
        return str(REJECT_NO_NAME % {"street": line.street})
    return str(REJECT_NO_NAME_IN % {"street": line.street, "commune": line.commune or line.insee})


def _ratings(line: SurveyLine, amenagement: Amenagement, lookups: _Lookups) -> dict[int, int] | str:
    """The line's scores per definition asked about the arrangement, or why not."""
    asked = lookups.definitions_of(amenagement)
    ratings: dict[int, int] = {}
    for code, value in line.scores.items():
        definitions = asked.get(code, [])
        if not definitions:
            return str(REJECT_NOT_ASKED % {"code": code, "name": amenagement.name})
        if len(definitions) > 1:
            choices = " / ".join(f"{d.panel.slug}/{d.code}" for d in definitions)
            return str(
                REJECT_CODE_AMBIGUOUS % {"code": code, "name": amenagement.name, "choices": choices}
            )
        ratings[definitions[0].pk] = value
    return ratings


def _created_at(date: dt.date | None) -> dt.datetime | None:
    if date is None:
        return None
    # Noon rather than midnight: the local day stays the same whatever the offset.
    return timezone.make_aware(dt.datetime.combine(date, dt.time(12)))


@transaction.atomic
def survey_opinions_import(
    *,
    read: SurveyRead,
    source_name: str,
    scale: Scale,
    mapping: Mapping[str, str],
    description: str = "",
    imported_by: User | None = None,
    dry_run: bool = False,
    communes: frozenset[int] | None = None,
) -> SurveyImportResult:
    """Record the answers read from a survey's file as contributions of the source
    `source_name` (see the module's rules). `mapping` is the one the file was read with
    (indicator code → column); `communes` the agent's scope
    (`amenagements.permissions.commune_scope`), None for city-wide.

    Side effects: the source is created if new; held comments are logged in the moderation
    log. Raises `ValidationError` (keyed "scale", "mapping" or "source") when the source has
    another scale, a code names no adopted perception indicator, or the name is empty:
    nothing is recorded then.
    """
    name = source_name.strip()
    if not name:
        raise ValidationError({"source": ValidationError(ERROR_NO_SOURCE, code="no_source")})
    _check_codes(set(mapping))
    source = _source(name=name, scale=scale, description=description.strip(), by=imported_by)
    result = SurveyImportResult(
        source=name,
        read=read.count,
        rejects=list(read.rejects),
        ignored_columns=list(read.ignored_columns),
        dry_run=dry_run,
    )
    known = set(Contribution.objects.filter(source=source).values_list("external_id", "version_id"))
    in_file: dict[tuple[str, int], int] = {}
    lookups = _Lookups()
    today = timezone.localdate()
    adapted: set[int] = set()
    for line in read.lines:
        try:
            # A savepoint per line: a line the model refuses leaves the others recorded.
            with transaction.atomic():
                reason = _record(
                    line,
                    source=source,
                    lookups=lookups,
                    communes=communes,
                    today=today,
                    known=known,
                    in_file=in_file,
                    result=result,
                    adapted=adapted,
                )
        except ValidationError as error:
            reason = " ".join(error.messages)
        if reason:
            result.rejects.append(BulkReject(line.line, reason))
    result.rejects.sort(key=lambda reject: reject.line)
    result.arrangements = len(adapted)
    if dry_run:
        transaction.set_rollback(True)
    return result


def _record(
    line: SurveyLine,
    *,
    source: SurveySource,
    lookups: _Lookups,
    communes: frozenset[int] | None,
    today: dt.date,
    known: set[tuple[str, int]],
    in_file: dict[tuple[str, int], int],
    result: SurveyImportResult,
    adapted: set[int],
) -> str:
    """Record one line; the reason it is rejected, or "" (recorded or already there)."""
    if line.date is not None and line.date > today:
        return str(REJECT_FUTURE % {"date": line.date.isoformat()})
    attached = _attach(line, lookups)
    if isinstance(attached, str):
        return attached
    amenagement = attached.amenagement
    if communes is not None and amenagement.commune_id not in communes:
        return str(REJECT_OUT_OF_SCOPE % {"name": amenagement.name})
    version = selectors.version_at(lookups.versions_of(amenagement), line.date)
    if version is None:
        date = line.date.isoformat() if line.date else ""
        return str(REJECT_NO_VERSION % {"name": amenagement.name, "date": date})
    key = (line.external_id, version.pk)
    if key in in_file:
        return str(REJECT_TWICE % {"line": in_file[key]})
    in_file[key] = line.line
    if key in known:
        result.already += 1
        return ""
    ratings = _ratings(line, amenagement, lookups)
    if isinstance(ratings, str):
        return ratings
    point, position_m = None, None
    if attached.by_coordinates and line.longitude is not None and line.latitude is not None:
        located = amenagement_locate(
            amenagement=amenagement, point=Point(line.longitude, line.latitude, srid=4326)
        )
        point = located.point
        position_m = None if located.position_m is None else round(located.position_m, 1)
    held = bool(line.comment) and lookups.is_premoderated(amenagement.commune_id)
    contribution = Contribution(
        user=None,
        version=version,
        source=source,
        external_id=line.external_id,
        comment=line.comment,
        comment_status=CommentStatus.PENDING if held else CommentStatus.PUBLISHED,
        point=point,
        position_m=position_m,
    )
    contribution.full_clean(
        exclude=["user", "version", "source", "moderated_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    contribution.save()
    created_at = _created_at(line.date)
    if created_at is not None:
        # `created_at` is set on insert whatever is given: the survey's date is written after.
        Contribution.objects.filter(pk=contribution.pk).update(created_at=created_at)
    Rating.objects.bulk_create(
        Rating(contribution=contribution, definition_id=definition_id, value=value)
        for definition_id, value in ratings.items()
    )
    if held:
        log_record(
            ModerationLogEntry,
            action=COMMENT_HELD,
            actor=None,
            contribution=contribution,
            payload={
                "from": CommentStatus.PUBLISHED,
                "to": CommentStatus.PENDING,
                "why": HELD_BY_PREMODERATION,
            },
        )
        result.held += 1
    known.add((line.external_id, version.pk))
    adapted.add(amenagement.pk)
    result.recorded += 1
    result.ratings += len(ratings)
    return ""


@transaction.atomic
def panel_survey_opinions_set(*, panel: CitizenPanel, by: User, include: bool) -> CitizenPanel:
    """A facilitator decides whether the panel's indicators count the answers of imported
    surveys with residents' ratings (results and evaluations), from now on; logs
    "panel.survey_opinions_counted" or "panel.survey_opinions_apart" — nothing when the choice
    is the same. Raises `ValidationError` if `by` is not a facilitator."""
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    require_facilitator(panel, by)
    if panel.include_survey_opinions == include:
        return panel
    panel.include_survey_opinions = include
    panel.save(update_fields=["include_survey_opinions"])
    panel_log_record(
        panel=panel, action=PANEL_SURVEYS_COUNTED if include else PANEL_SURVEYS_APART, actor=by
    )
    return panel
