"""Reads on residents' opinions, shaped for each page.

- `contributor_for` describes the person looking in one query, so permissions are pure.
- `opinion_results`: per arrangement version and indicator, the number of ratings, their mean and
  their distribution over the five steps, in one grouped query (the mean is computed from the
  distribution, exactly). Answers of imported surveys are counted apart, per survey, and join
  residents' ratings only where the indicator's panel decided so
  (`CitizenPanel.include_survey_opinions`).
- `opinion_items`: the comments and pinned spots of an arrangement, newest first, one page at a
  time (one query: the page is read with one extra row to know whether another follows).
- `colour_values`: each arrangement's mean rating on one indicator, for the map (one query).
Public reads never select an email address: contributors are shown by pseudonym only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet

from amenagements.models import Amenagement, AmenagementVersion
from common.http import parse_int
from participation.contributions import permissions
from participation.indicators.selectors import adopted_for_amenagement
from participation.models import (
    CommentStatus,
    Contribution,
    IndicatorDefinition,
    ModerationLogEntry,
    Rating,
    Report,
)
from participation.profiles.selectors import Person, verified_email

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser, User
    from django.forms import Form

ITEMS_PAGE_SIZE = 10
QUEUE_PAGE_SIZE = 20


# --- who is looking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributor(Person):
    """The person looking at opinions, in the terms permissions need."""

    is_moderator: bool = False  # in the moderators' group, or a superuser


ANONYMOUS = Contributor()


def contributor_for(user: User | AnonymousUser) -> Contributor:
    """Describe `user` in one query (none when anonymous)."""
    if not user.is_authenticated:
        return ANONYMOUS
    from django.contrib.auth.models import Group

    moderators = Group.objects.filter(name=settings.TACTIQUE_MODERATORS_GROUP, user=OuterRef("pk"))
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            verified=verified_email(OuterRef("pk")),
            moderator=Exists(moderators),
        )
        .values("pk", "is_active", "is_superuser", "verified", "moderator", "profile__suspended_at")
        .get()
    )
    return Contributor(
        user_id=row["pk"],
        is_active=row["is_active"],
        is_verified=row["verified"],
        is_suspended=row["profile__suspended_at"] is not None,
        is_moderator=row["moderator"] or row["is_superuser"],
    )


# --- what residents are asked -----------------------------------------------------------------


def current_version(amenagement: Amenagement) -> AmenagementVersion:
    """The open version of the arrangement: from its prefetched versions when there are some
    (the arrangement page), else one query."""
    cache = getattr(amenagement, "_prefetched_objects_cache", {})
    if "versions" in cache:
        for version in cache["versions"]:
            if version.valid_to is None:
                current: AmenagementVersion = version
                return current
    return AmenagementVersion.objects.get(amenagement=amenagement, valid_to__isnull=True)


def perception_definitions(amenagement: Amenagement) -> list[IndicatorDefinition]:
    """The adopted perception questions residents answer about this arrangement (one query)."""
    return list(adopted_for_amenagement(amenagement, kind=IndicatorDefinition.Kind.PERCEPTION))


def own_contribution(*, user_id: int, version: AmenagementVersion) -> Contribution | None:
    """The resident's contribution on this version, with its ratings (two queries)."""
    return (
        Contribution.objects.filter(user_id=user_id, version=version)
        .prefetch_related("ratings")
        .first()
    )


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepCount:
    step: int
    label: str
    count: int


@dataclass(frozen=True)
class SurveyCount:
    """The answers one imported survey gave to one indicator on one version: `counted` when
    the indicator's panel counts survey answers (they are then in the steps too)."""

    name: str
    n: int
    counted: bool


@dataclass(frozen=True)
class IndicatorResult:
    """The ratings one indicator definition got on one version of an arrangement: residents'
    own, plus the surveys' where its panel counts them (`steps`); each survey's answers are
    also counted apart (`surveys`), counted or not."""

    definition_id: int
    code: str
    name: str
    definition_version: int | None
    question: str
    steps: list[StepCount]
    surveys: tuple[SurveyCount, ...] = ()

    @property
    def n(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def mean(self) -> float | None:
        """The mean rating, None without any."""
        return sum(s.step * s.count for s in self.steps) / self.n if self.n else None


@dataclass(frozen=True)
class VersionResult:
    number: int
    valid_from: dt.date
    valid_to: dt.date | None
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def has_ratings(self) -> bool:
        return any(i.n or i.surveys for i in self.indicators)

    def result_for(self, code: str) -> IndicatorResult | None:
        return next((i for i in self.indicators if i.code == code), None)


def opinion_results(
    *,
    amenagement: Amenagement,
    definitions: list[IndicatorDefinition],
    versions: list[AmenagementVersion],
) -> list[VersionResult]:
    """Ratings per version (newest first) and indicator: count per step, n, mean. One query.

    The current version lists every question residents are asked now, rated or not; earlier
    versions list the indicators that were rated on them (possibly versions of an indicator
    since revised: each rating keeps the definition it answered). The answers of an imported
    survey are in the count, mean and steps only when the definition's panel includes survey
    opinions; either way each survey's number of answers is given apart (`surveys`).
    """
    rows = (
        Rating.objects.filter(contribution__version__amenagement=amenagement)
        .values(
            "contribution__version_id",
            "contribution__source__name",
            "definition_id",
            "definition__code",
            "definition__name",
            "definition__version",
            "definition__question",
            "definition__scale_labels",
            "definition__panel__include_survey_opinions",
            "value",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    surveys: dict[tuple[int, int], dict[tuple[str, bool], int]] = defaultdict(dict)
    meta: dict[int, dict[str, Any]] = {}
    for row in rows:
        key = (row["contribution__version_id"], row["definition_id"])
        source = row["contribution__source__name"]
        counted = source is None or row["definition__panel__include_survey_opinions"]
        if source is not None:
            per_source = surveys[key]
            per_source[(source, counted)] = per_source.get((source, counted), 0) + row["n"]
            counts.setdefault(key, {})
        if counted:
            per_step = counts[key]
            per_step[row["value"]] = per_step.get(row["value"], 0) + row["n"]
        meta[row["definition_id"]] = dict(row)
    for d in definitions:
        meta[d.pk] = {
            "definition__code": d.code,
            "definition__name": d.name,
            "definition__version": d.version,
            "definition__question": d.question,
            "definition__scale_labels": d.scale_labels,
        }
    current_ids = [d.pk for d in definitions]

    def result(version_id: int, definition_id: int) -> IndicatorResult:
        m = meta[definition_id]
        labels = list(m["definition__scale_labels"]) or [""] * 5
        per_step = counts.get((version_id, definition_id), {})
        return IndicatorResult(
            definition_id=definition_id,
            code=m["definition__code"],
            name=m["definition__name"],
            definition_version=m["definition__version"],
            question=m["definition__question"],
            steps=[StepCount(i, labels[i - 1], per_step.get(i, 0)) for i in range(1, 6)],
            surveys=tuple(
                SurveyCount(name=name, n=n, counted=counted)
                for (name, counted), n in sorted(
                    surveys.get((version_id, definition_id), {}).items()
                )
            ),
        )

    out = []
    for version in sorted(versions, key=lambda v: -v.number):
        rated = sorted(
            {d for (v, d) in counts if v == version.pk},
            key=lambda d: (meta[d]["definition__name"], d),
        )
        if version.valid_to is None:
            ids = current_ids + [d for d in rated if d not in current_ids]
        else:
            ids = rated
        out.append(
            VersionResult(
                number=version.number,
                valid_from=version.valid_from,
                valid_to=version.valid_to,
                indicators=[result(version.pk, d) for d in ids],
            )
        )
    return out


# --- comments and pinned spots ----------------------------------------------------------------


@dataclass(frozen=True)
class OpinionItem:
    """One comment or spot as the list shows it to one viewer: the contribution, and what this
    viewer may see and do with it. `report_form` is given by the opinions presenter (or the
    report view, with the errors of a posted report) where `can_report`."""

    contribution: Contribution
    is_mine: bool  # the viewer wrote it
    reported_by_viewer: bool
    spot_visible: bool  # a comment moderation holds back keeps its spot off the map too
    can_report: bool  # `permissions.can_report`, and not reported by the viewer yet
    report_form: Form | None = None

    @property
    def pk(self) -> int:
        return self.contribution.pk


@dataclass(frozen=True)
class ItemsPage:
    items: list[OpinionItem]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def pins(self) -> list[dict[str, Any]]:
        """The spots to draw on the map, numbered as in the list."""
        return [
            {"n": i, "lat": round(point.y, 7), "lon": round(point.x, 7)}
            for i, item in enumerate(self.items, start=1)
            if item.spot_visible and (point := item.contribution.point) is not None
        ]


def _page_number(value: object) -> int:
    """The page asked for, from 1 to 10,000; the first page for anything but ASCII digits."""
    return max(1, min(parse_int(str(value)) or 1, 10_000))


def _items_queryset(viewer: Contributor) -> QuerySet[Contribution]:
    visible = ~Q(comment_status=CommentStatus.PENDING) | Q(comment="")
    if viewer.user_id is not None:
        visible |= Q(user_id=viewer.user_id)
    qs = (
        Contribution.objects.filter(~Q(comment="") | Q(point__isnull=False))
        .filter(visible)
        .select_related("user__profile", "version", "source")
        .only(
            "comment",
            "comment_status",
            "moderation_reason",
            "moderated_at",
            "profiles",
            "point",
            "position_m",
            "is_demo",
            "created_at",
            "updated_at",
            "user__id",
            "user__profile__pseudonym",
            "user__profile__suspended_at",  # the public name tells a suspension
            "user__profile__suspension_reason",
            "version__number",
            "version__valid_to",
            "version__amenagement_id",
            "source__name",
        )
        .order_by("-created_at", "-pk")
    )
    if viewer.is_resident:
        qs = qs.annotate(
            viewer_reported=Exists(
                Report.objects.filter(contribution=OuterRef("pk"), reporter_id=viewer.user_id)
            )
        )
    return qs


def _item(contribution: Contribution, viewer: Contributor) -> OpinionItem:
    """What the list needs to know about a contribution for this viewer: whether it is theirs,
    whether they reported it (and may report it), and whether its spot is shown (a comment
    that moderation holds back keeps its spot off the map too, except for its author)."""
    is_mine = viewer.user_id is not None and contribution.user_id == viewer.user_id
    reported = bool(getattr(contribution, "viewer_reported", False))  # residents only
    return OpinionItem(
        contribution=contribution,
        is_mine=is_mine,
        reported_by_viewer=reported,
        spot_visible=contribution.point is not None
        and (not contribution.comment or contribution.comment_is_public or is_mine),
        can_report=permissions.can_report(viewer, contribution) and not reported,
    )


def opinion_items(*, amenagement: Amenagement, viewer: Contributor, page: object = 1) -> ItemsPage:
    """Contributions of the arrangement (every version) with a comment or a pinned spot, newest
    first, survey answers among them (with their survey's name). A comment awaiting
    pre-moderation is shown to its author only. One query."""
    number = _page_number(page)
    qs = _items_queryset(viewer).filter(version__amenagement=amenagement)
    start = (number - 1) * ITEMS_PAGE_SIZE
    rows = list(qs[start : start + ITEMS_PAGE_SIZE + 1])
    items = [_item(row, viewer) for row in rows[:ITEMS_PAGE_SIZE]]
    return ItemsPage(items=items, number=number, has_next=len(rows) > ITEMS_PAGE_SIZE)


def opinion_item(*, pk: int, viewer: Contributor) -> OpinionItem:
    """One contribution as the list shows it (after a report, to redraw it in place)."""
    return _item(_items_queryset(viewer).get(pk=pk), viewer)


# --- the map, coloured by an indicator --------------------------------------------------------


def colour_indicators() -> QuerySet[IndicatorDefinition]:
    """Adopted perception indicators, by name, with their panel (one query)."""
    return (
        IndicatorDefinition.objects.filter(
            status=IndicatorDefinition.Status.ADOPTED, kind=IndicatorDefinition.Kind.PERCEPTION
        )
        .select_related("panel")
        .only("name", "code", "question", "version", "panel__name")
        .order_by("name", "pk")
    )


def colour_values(*, definition_id: int) -> dict[str, dict[str, float | int]]:
    """Each arrangement's mean rating on `definition_id` over its current version, with the
    number of ratings: {slug: {"mean": 3.42, "n": 12}}. One query."""
    rows = (
        Rating.objects.filter(definition_id=definition_id, contribution__version__valid_to=None)
        # Imported surveys' answers only where the panel counts them (`opinion_results`).
        .filter(
            Q(contribution__source__isnull=True)
            | Q(definition__panel__include_survey_opinions=True)
        )
        .values("contribution__version__amenagement__slug")
        .annotate(mean=Avg("value"), n=Count("pk"))
        .order_by()
    )
    return {
        r["contribution__version__amenagement__slug"]: {"mean": round(r["mean"], 2), "n": r["n"]}
        for r in rows
    }


# --- moderation -------------------------------------------------------------------------------


class QueueState:
    TODO = "todo"
    HIDDEN = "hidden"


def moderation_queue(
    *, state: str = QueueState.TODO, communes: frozenset[int] | None = None
) -> QuerySet[Contribution]:
    """Comments a moderator should look at, oldest first: awaiting pre-moderation, hidden after
    reports, or published with reports not yet reviewed. With `state="hidden"`, the comments
    moderators hid (to restore one on appeal). Open reports are prefetched, with their count.
    With `communes` (a moderator's scope, `amenagements.permissions.commune_scope`), only the
    comments on arrangements of those communes."""
    open_reports = Q(reports__resolved_at__isnull=True)
    qs = Contribution.objects.exclude(comment="").annotate(
        open_report_count=Count("reports", filter=open_reports)
    )
    if communes is not None:
        qs = qs.filter(version__amenagement__commune_id__in=communes)
    if state == QueueState.HIDDEN:
        qs = qs.filter(comment_status=CommentStatus.HIDDEN).order_by("-moderated_at", "-pk")
    else:
        qs = qs.filter(
            Q(comment_status__in=[CommentStatus.PENDING, CommentStatus.REPORTED])
            | Q(comment_status=CommentStatus.PUBLISHED, open_report_count__gt=0)
        ).order_by("updated_at", "pk")
    return qs.select_related(
        "user__profile", "version__amenagement", "moderated_by__profile", "source"
    )


def with_open_reports(contributions: list[Contribution]) -> list[Contribution]:
    """Attach each contribution's open reports (`open_reports`), in one query."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        contributions,
        Prefetch(
            "reports",
            queryset=Report.objects.filter(resolved_at__isnull=True).order_by("created_at"),
            to_attr="open_reports",
        ),
    )
    return contributions


def moderation_log(*, limit: int = 30) -> QuerySet[ModerationLogEntry]:
    """The latest moderation acts, newest first, with the arrangement concerned."""
    return ModerationLogEntry.objects.select_related(
        "actor__profile", "contribution__version__amenagement", "commune"
    ).order_by("-created_at", "-pk")[:limit]


def own_opinions(*, user: User) -> QuerySet[Contribution]:
    """One's own opinions, latest first, for the profile page: the arrangement and version each
    is about and how many ratings it holds (two queries whatever their number: no N+1)."""
    return (
        Contribution.objects.filter(user=user)
        .select_related("version__amenagement")
        .annotate(rating_count=Count("ratings"))
        .order_by("-updated_at", "-pk")
    )
