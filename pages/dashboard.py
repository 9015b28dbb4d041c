"""The services' dashboard (`/services/`): what needs attention today, each item linking to where
it is handled. Read-only, for staff; every section is one query (the first items and their
count), so the page costs the same whatever the city's size.

Sections, and the rule of each:
- decision deadlines: arrangements still on trial (testing or under evaluation) whose decision
  deadline falls within `DEADLINE_DAYS` days, or has passed;
- open proposals: the engine's proposals not decided yet (nor superseded), oldest first;
- outages: counter outages (detected or reported) that started within `OUTAGE_DAYS` days;
- imports: counter imports of the last `IMPORT_DAYS` days that failed or rejected lines, and
  background jobs that failed for good in that time;
- alerts: indicators beyond their alert threshold in each arrangement's latest evaluation;
- moderation: comments awaiting a moderator (the moderation queue's count);
- overdue: planned adaptations whose date has passed and that are not carried out yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from amenagements.models import Amenagement, PlannedAdaptation
from common.models import JobFailure
from evaluation.models import AdjustmentProposal, EvaluationRun, IndicatorResult
from participation.contributions.selectors import moderation_queue
from usage.models import Counter, ImportRun, Outage

DEADLINE_DAYS = 60
OUTAGE_DAYS = 14
IMPORT_DAYS = 30
# Items listed per section; the count says how many there are in all.
SHOWN = 10

ON_TRIAL = (Amenagement.Status.TESTING, Amenagement.Status.EVALUATION)
# The communes an agent acts for; None: every commune.
Communes = frozenset[int] | None


@dataclass(frozen=True)
class Item:
    """One thing to look at: what, a detail (a date, a reason), and where it is handled."""

    label: str
    detail: str
    url: str
    date: dt.date | None = None
    urgent: bool = False
    rejected: int = 0  # an import's rejected lines


@dataclass(frozen=True)
class Section:
    key: str
    count: int
    items: Sequence[Item] = field(default_factory=list)


def _section(key: str, qs: QuerySet[Any], item: Any) -> Section:
    """The section's count and its first `SHOWN` items (two queries at most, one if few)."""
    first = list(qs[: SHOWN + 1])
    count = len(first) if len(first) <= SHOWN else qs.count()
    return Section(key, count, [item(row) for row in first[:SHOWN]])


def _scoped(qs: QuerySet[Any], path: str, communes: Communes) -> QuerySet[Any]:
    """`qs` limited to the rows whose arrangement (reached by `path`) is in `communes`."""
    if communes is None:
        return qs
    return qs.filter(**{f"{path}commune_id__in": communes})


def deadlines(today: dt.date, communes: Communes = None) -> Section:
    qs = _scoped(
        Amenagement.objects.filter(
            status__in=ON_TRIAL, decision_deadline__lte=today + dt.timedelta(days=DEADLINE_DAYS)
        ),
        "",
        communes,
    )
    qs = qs.only("slug", "name", "decision_deadline").order_by("decision_deadline", "pk")

    def item(a: Amenagement) -> Item:
        deadline = a.decision_deadline
        assert deadline is not None  # noqa: S101 -- filtered on it
        return Item(a.name, "", a.get_absolute_url(), deadline, urgent=deadline < today)

    return _section("deadlines", qs, item)


def open_proposals(communes: Communes = None) -> Section:
    qs = (
        _scoped(
            AdjustmentProposal.objects.filter(status=AdjustmentProposal.Status.OPEN),
            "amenagement__",
            communes,
        )
        .select_related("amenagement")
        .only("action", "created_at", "amenagement__slug", "amenagement__name")
        .order_by("created_at", "pk")
    )

    def item(p: AdjustmentProposal) -> Item:
        url = p.amenagement.get_absolute_url() + "#evaluation"
        return Item(p.amenagement.name, p.get_action_display(), url, p.created_at.date())

    return _section("proposals", qs, item)


def recent_outages(today: dt.date, communes: Communes = None) -> Section:
    outages = Outage.objects.filter(start__gte=today - dt.timedelta(days=OUTAGE_DAYS))
    if communes is not None:
        # A counter is the commune's when it measures one of its arrangements.
        outages = outages.filter(
            counter__in=Counter.objects.filter(amenagements__commune_id__in=communes)
        )
    qs = (
        outages.select_related("counter")
        .only("start", "end", "kind", "counter__name")
        .order_by("-start", "pk")
    )

    def item(o: Outage) -> Item:
        url = reverse("admin:usage_outage_change", args=[o.pk])
        return Item(o.counter.name, o.get_kind_display(), url, o.start)

    return _section("outages", qs, item)


def import_problems(today: dt.date) -> Section:
    since = today - dt.timedelta(days=IMPORT_DAYS)
    runs = list(
        ImportRun.objects.filter(
            Q(status=ImportRun.Status.FAILED) | Q(rejected__gt=0), created_at__date__gte=since
        )
        .defer("upload", "rejects_csv", "options")
        .order_by("-created_at", "-pk")[: SHOWN + 1]
    )
    failures = list(
        JobFailure.objects.filter(final=True, failed_at__date__gte=since)
        .only("task", "error_type", "failed_at")
        .order_by("-failed_at", "-pk")[: SHOWN + 1]
    )
    items = [
        Item(
            run.file_name or run.get_kind_display(),
            run.get_status_display() if run.status == ImportRun.Status.FAILED else "",
            reverse("usage:import_detail", args=[run.pk]),
            run.created_at.date(),
            urgent=run.status == ImportRun.Status.FAILED,
            rejected=run.rejected,
        )
        for run in runs
    ] + [
        Item(
            failure.task,
            failure.error_type,
            reverse("admin:common_jobfailure_change", args=[failure.pk]),
            failure.failed_at.date(),
            urgent=True,
        )
        for failure in failures
    ]
    items.sort(key=lambda i: i.date or since, reverse=True)
    return Section("imports", len(items), items[:SHOWN])


def alerts(communes: Communes = None) -> Section:
    latest = (
        EvaluationRun.objects.filter(amenagement=OuterRef("run__amenagement"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    qs = (
        _scoped(
            IndicatorResult.objects.filter(alert=True, run=Subquery(latest)),
            "run__amenagement__",
            communes,
        )
        .select_related("run__amenagement", "definition")
        .only(
            "run__created_at",
            "run__amenagement__slug",
            "run__amenagement__name",
            "definition__name",
        )
        .order_by("-run__created_at", "pk")
    )

    def item(r: IndicatorResult) -> Item:
        amenagement = r.run.amenagement
        url = amenagement.get_absolute_url() + "#evaluation"
        return Item(amenagement.name, r.definition.name, url, r.run.created_at.date(), True)

    return _section("alerts", qs, item)


def moderation_backlog(communes: Communes = None) -> Section:
    qs = moderation_queue(communes=communes)

    def item(c: Any) -> Item:
        return Item(
            c.version.amenagement.name,
            c.get_comment_status_display(),
            reverse("contributions:moderation"),
            c.updated_at.date(),
        )

    return _section("moderation", qs, item)


def overdue_adaptations(today: dt.date, communes: Communes = None) -> Section:
    qs = (
        _scoped(
            PlannedAdaptation.objects.filter(
                status=PlannedAdaptation.Status.PLANNED, planned_for__lt=today
            ),
            "amenagement__",
            communes,
        )
        .select_related("amenagement")
        .only("kind", "planned_for", "amenagement__slug", "amenagement__name")
        .order_by("planned_for", "pk")
    )

    def item(p: PlannedAdaptation) -> Item:
        url = reverse("amenagements:adapt", args=[p.amenagement.slug])
        return Item(p.amenagement.name, p.get_kind_display(), url, p.planned_for, urgent=True)

    return _section("overdue", qs, item)


def services_dashboard(*, today: dt.date, communes: Communes = None) -> list[Section]:
    """Every section of the dashboard, in the page's order. For an agent of some communes
    (`communes`, `amenagements.permissions.commune_scope`), the items of their arrangements;
    imports and background jobs are the whole instance's (an import is not one commune's)."""
    return [
        deadlines(today, communes),
        open_proposals(communes),
        alerts(communes),
        overdue_adaptations(today, communes),
        moderation_backlog(communes),
        recent_outages(today, communes),
        import_problems(today),
    ]


def attention_count(*, today: dt.date, communes: Communes = None) -> int:
    """What the header shows staff: the things to handle (deadlines, proposals, alerts, overdue
    adaptations, moderation, failed imports), not the informative outages."""
    sections = [s for s in services_dashboard(today=today, communes=communes) if s.key != "outages"]
    return sum(section.count for section in sections)
